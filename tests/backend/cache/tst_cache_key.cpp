#include <backend/cache/cache_key.h>
#include <tests/backend/cache/rfc_test_headers.h>

#include <QTest>

using namespace ToolCapture;

// Tests the primary key's URI normalisation and the Vary secondary key (RFC 9111 2 and 4.1).
class TestCacheKey : public QObject {
    Q_OBJECT

private slots:
    void primary_data();
    void primary();
    void vary_data();
    void vary();
};

void TestCacheKey::primary_data() {
    QTest::addColumn<QByteArray>("scheme");
    QTest::addColumn<QByteArray>("authority");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("key");
    auto row = [](const char *name, const char *scheme, const char *authority, const char *target,
                  const char *key) {
        QTest::newRow(name) << QByteArray(scheme) << QByteArray(authority) << QByteArray(target)
                            << QByteArray(key);
    };
    row("origin-form", "http", "example.com", "/a/b?x=1", "http://example.com/a/b?x=1");
    row("host case folded", "http", "ExAmPle.COM", "/A", "http://example.com/A");
    row("scheme case folded", "HTTP", "example.com", "/", "http://example.com/");
    row("default port dropped", "http", "example.com:80", "/", "http://example.com/");
    row("https default port dropped", "https", "example.com:443", "/", "https://example.com/");
    row("other port kept", "http", "example.com:8080", "/", "http://example.com:8080/");
    row("80 on https kept", "https", "example.com:80", "/", "https://example.com:80/");
    row("empty port is the default", "http", "example.com:", "/", "http://example.com/");
    row("fragment dropped", "http", "h", "/p#frag", "http://h/p");
    row("unreserved percent-decoded", "http", "h", "/%7Euser/%41", "http://h/~user/A");
    row("reserved percent kept, hex upper-cased", "http", "h", "/a%2fb?q=%3d",
        "http://h/a%2Fb?q=%3D");
    row("percent-encoded digit decoded", "http", "h", "/x%30%5f", "http://h/x0_");
    row("lower-case hex of a reserved byte upper-cased", "http", "h", "/a%c0", "http://h/a%C0");
    row("stray percent kept", "http", "h", "/100%", "http://h/100%");
    row("dot segments removed", "http", "h", "/a/./b/../c", "http://h/a/c");
    row("encoded dot segments removed", "http", "h", "/a/%2E%2E/c", "http://h/c");
    row("empty query kept distinct", "http", "h", "/p?", "http://h/p?");
    row("query order kept", "http", "h", "/p?b=2&a=1", "http://h/p?b=2&a=1");
    row("absolute-form wins over Host", "http", "other", "http://Example.com:80/x",
        "http://example.com/x");
    row("absolute-form without path", "http", "", "https://h", "https://h/");
    row("absolute-form query without path", "http", "", "http://h?q", "http://h/?q");
    row("userinfo dropped", "http", "", "http://u:p@h/x", "http://h/x");
    row("IPv6 literal", "http", "[::1]:8080", "/", "http://[::1]:8080/");
    row("IPv6 literal default port", "http", "[FE80::1]:80", "/", "http://[fe80::1]/");
    row("no host", "http", "", "/x", "");
    row("bad port", "http", "h:99999", "/", "");
    row("non-numeric port", "http", "h:ab", "/", "");
    row("not http", "ftp", "h", "/", "");
    row("absolute-form other scheme", "http", "h", "mailto:a@b", "");
    // Targets the fast path takes as they are, and its near misses (the general path's).
    row("dot-file segment is no dot segment", "http", "h", "/a/.well-known/x",
        "http://h/a/.well-known/x");
    row("dot segment at the end", "http", "h", "/a/.", "http://h/a/");
    row("dot-dot segment at the end", "http", "h", "/a/b/..", "http://h/a/");
    row("dots in the query stay", "http", "h", "/p?x=/../y", "http://h/p?x=/../y");
    row("double slash kept", "http", "h", "//x//y", "http://h//x//y");
    row("upper-case path kept", "http", "H:8080", "/A/B", "http://h:8080/A/B");
}

void TestCacheKey::primary() {
    QFETCH(QByteArray, scheme);
    QFETCH(QByteArray, authority);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, key);
    QCOMPARE(CacheKey::primary(scheme, authority, target), key);
    // primary() takes a short cut for targets already normal: the general path agrees.
    const auto uri = CacheKey::normalise(scheme, authority, target);
    QCOMPARE(uri ? uri->key() : QByteArray(), key);
}

void TestCacheKey::vary_data() {
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QByteArray>("storedRequest");
    QTest::addColumn<QByteArray>("newRequest");
    QTest::addColumn<bool>("matches");
    auto row = [](const char *name, const char *response, const char *stored, const char *fresh,
                  bool matches) {
        QTest::newRow(name) << QByteArray(response) << QByteArray(stored) << QByteArray(fresh)
                            << matches;
    };
    row("no Vary matches anything", "", "Accept: a", "Accept: b", true);
    row("same value", "Vary: Accept-Encoding", "Accept-Encoding: gzip", "Accept-Encoding: gzip",
        true);
    row("different value", "Vary: Accept-Encoding", "Accept-Encoding: gzip", "Accept-Encoding: br",
        false);
    row("field name case-insensitive", "Vary: accept-encoding", "ACCEPT-ENCODING: gzip",
        "accept-encoding: gzip", true);
    row("Vary name case-insensitive", "Vary: ACCEPT-ENCODING", "Accept-Encoding: gzip",
        "Accept-Encoding: gzip", true);
    row("spaces around commas in Accept-Encoding", "Vary: Accept-Encoding",
        "Accept-Encoding: gzip, br", "Accept-Encoding: gzip,br", true);
    row("coding case folded", "Vary: Accept-Encoding", "Accept-Encoding: GZIP",
        "Accept-Encoding: gzip", true);
    row("language case folded", "Vary: Accept-Language", "Accept-Language: en-US",
        "Accept-Language: en-us", true);
    row("leading/trailing whitespace trimmed", "Vary: X-Tenant", "X-Tenant:   a  ", "X-Tenant: a",
        true);
    row("inner whitespace collapsed", "Vary: User-Agent", "User-Agent: Foo   Bar\t1",
        "User-Agent: Foo Bar 1", true);
    row("case kept for other fields", "Vary: X-Tenant", "X-Tenant: Alpha", "X-Tenant: alpha",
        false);
    row("two lines equal one combined line", "Vary: Accept",
        "Accept: text/html|Accept: application/json", "Accept: text/html, application/json", true);
    row("order of values matters", "Vary: Accept-Encoding", "Accept-Encoding: gzip, br",
        "Accept-Encoding: br, gzip", false);
    row("absent matches absent", "Vary: X-Tenant", "", "", true);
    row("absent does not match empty", "Vary: X-Tenant", "", "X-Tenant:", false);
    row("absent does not match present", "Vary: X-Tenant", "", "X-Tenant: a", false);
    row("several Vary fields", "Vary: Accept-Encoding|Vary: X-Tenant",
        "Accept-Encoding: gzip|X-Tenant: a", "X-Tenant: a|Accept-Encoding: gzip", true);
    row("several Vary fields, one differs", "Vary: Accept-Encoding, X-Tenant",
        "Accept-Encoding: gzip|X-Tenant: a", "Accept-Encoding: gzip|X-Tenant: b", false);
    row("Vary order irrelevant", "Vary: X-B, X-A", "X-A: 1|X-B: 2", "X-B: 2|X-A: 1", true);
    row("Vary: * never matches", "Vary: *", "", "", false);
    row("Vary: * in a list never matches", "Vary: Accept, *", "Accept: a", "Accept: a", false);
    row("unrelated fields ignored", "Vary: Accept", "Accept: a|Cookie: x", "Accept: a|Cookie: y",
        true);
}

void TestCacheKey::vary() {
    QFETCH(QByteArray, response);
    QFETCH(QByteArray, storedRequest);
    QFETCH(QByteArray, newRequest);
    QFETCH(bool, matches);
    const HttpHeaders responseHeaders = RfcTest::headers(response);
    const std::optional<QByteArray> storedKey =
        CacheKey::secondary(responseHeaders, RfcTest::headers(storedRequest));
    QCOMPARE(storedKey.has_value(), !CacheKey::varyStar(responseHeaders));
    QCOMPARE(CacheKey::varyMatches(responseHeaders, storedKey.value_or(QByteArray()),
                                   RfcTest::headers(newRequest)),
             matches);
}

QTEST_GUILESS_MAIN(TestCacheKey)
#include "tst_cache_key.moc"
