#include <backend/http/query_string.h>

#include <QList>

#include <algorithm>

namespace ToolCapture {

namespace {

// "a, b and c"
QByteArray listOf(std::span<const QByteArrayView> names) {
    QByteArray text;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0)
            text += i + 1 == names.size() ? " and " : ", ";
        text += names[i].toByteArray();
    }
    return text;
}

} // namespace

bool parseQueryParameters(QByteArrayView query, std::span<const QByteArrayView> known,
                          std::vector<QueryParameter> &out, QueryError &error) {
    out.clear();
    for (QByteArray pair : query.toByteArray().split('&')) {
        if (pair.isEmpty())
            continue;
        pair.replace('+', ' ');
        const qsizetype eq = pair.indexOf('=');
        QByteArray name = QByteArray::fromPercentEncoding(eq < 0 ? pair : pair.left(eq));
        QByteArray value =
            eq < 0 ? QByteArray() : QByteArray::fromPercentEncoding(pair.mid(eq + 1));
        if (std::find(known.begin(), known.end(), QByteArrayView(name)) == known.end()) {
            error = {name, "unknown parameter; the parameters are " + listOf(known)};
            return false;
        }
        const bool repeated = std::any_of(out.begin(), out.end(),
                                          [&](const QueryParameter &p) { return p.name == name; });
        if (repeated) {
            error = {name, "given more than once"};
            return false;
        }
        if (value.isEmpty()) {
            error = {name, "needs a value"};
            return false;
        }
        out.push_back({std::move(name), std::move(value)});
    }
    return true;
}

} // namespace ToolCapture
