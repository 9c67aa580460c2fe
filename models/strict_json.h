#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

namespace ToolCapture {

// Reads a JSON document of the admin API against its contract (docs/intelligence-api.md): every
// member the console reads must be there with its type; the first one that is not becomes the
// error ("operations[2].latency_ms.p99: expected a number"), later reads return empty values.
// A console view shows that error instead of a silently empty or half-filled table.
class StrictJson {
public:
    // Parses `json` as an object; an error when it is not one.
    QJsonObject document(const QByteArray &json);

    QJsonObject object(const QJsonObject &parent, const QString &key, const QString &path);
    // The object, or nullopt when the member is null.
    std::optional<QJsonObject> optionalObject(const QJsonObject &parent, const QString &key,
                                              const QString &path);
    QJsonArray array(const QJsonObject &parent, const QString &key, const QString &path);
    // The element of an array that must be an object.
    QJsonObject element(const QJsonValue &value, const QString &path);
    QString string(const QJsonObject &parent, const QString &key, const QString &path);
    // A string or null (an empty string for null).
    QString optionalString(const QJsonObject &parent, const QString &key, const QString &path);
    double number(const QJsonObject &parent, const QString &key, const QString &path);
    std::optional<double> optionalNumber(const QJsonObject &parent, const QString &key,
                                         const QString &path);
    // A number within [low, high].
    double number(const QJsonObject &parent, const QString &key, const QString &path, double low,
                  double high);
    bool boolean(const QJsonObject &parent, const QString &key, const QString &path);
    // A string that is one of `allowed`.
    QString oneOf(const QJsonObject &parent, const QString &key, const QString &path,
                  const QStringList &allowed);
    // Any value, null included, that is present.
    QJsonValue present(const QJsonObject &parent, const QString &key, const QString &path);

    bool ok() const { return m_error.isEmpty(); }
    // The first violation; empty when there was none.
    QString error() const { return m_error; }
    void fail(const QString &path, const QString &what);

    // "a.b" or "b" when `path` is empty; "a[3]".
    static QString join(const QString &path, const QString &key);
    static QString indexed(const QString &path, qsizetype index);

private:
    QJsonValue member(const QJsonObject &parent, const QString &key, const QString &path);

    QString m_error;
};

} // namespace ToolCapture
