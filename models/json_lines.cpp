#include <models/json_lines.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

namespace ToolCapture {

namespace {

QString scalar(const QJsonValue &value) {
    // A one-element array renders the scalar exactly as JSON does (strings escaped).
    QByteArray compact = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(compact.mid(1, compact.size() - 2));
}

class Printer {
public:
    explicit Printer(int indent)
        : m_indent(indent) {}

    // Prints `value` starting on a new line that begins with `prefix` and ends with `suffix`.
    void print(const QJsonValue &value, const QString &pointer, int depth, const QString &prefix,
               const QString &suffix) {
        const QString pad(depth * m_indent, QLatin1Char(' '));
        if (value.isObject()) {
            const QJsonObject object = value.toObject();
            if (object.isEmpty()) {
                add(pad + prefix + QStringLiteral("{}") + suffix, pointer);
                return;
            }
            add(pad + prefix + QLatin1Char('{'), pointer);
            qsizetype i = 0;
            for (auto it = object.begin(); it != object.end(); ++it, ++i) {
                const QString key = scalar(QJsonValue(it.key()));
                print(it.value(), pointer + QLatin1Char('/') + JsonLines::escapeToken(it.key()),
                      depth + 1, key + QStringLiteral(": "),
                      i + 1 < object.size() ? QStringLiteral(",") : QString());
            }
            add(pad + QLatin1Char('}') + suffix, pointer);
        } else if (value.isArray()) {
            const QJsonArray array = value.toArray();
            if (array.isEmpty()) {
                add(pad + prefix + QStringLiteral("[]") + suffix, pointer);
                return;
            }
            add(pad + prefix + QLatin1Char('['), pointer);
            for (qsizetype i = 0; i < array.size(); ++i)
                print(array.at(i), pointer + QLatin1Char('/') + QString::number(i), depth + 1,
                      QString(), i + 1 < array.size() ? QStringLiteral(",") : QString());
            add(pad + QLatin1Char(']') + suffix, pointer);
        } else {
            add(pad + prefix + scalar(value) + suffix, pointer);
        }
    }

    JsonLines result;

private:
    void add(const QString &text, const QString &pointer) {
        result.lines.push_back({text, pointer});
    }

    int m_indent;
};

} // namespace

QString JsonLines::text() const {
    QString out;
    for (const Line &line : lines) {
        if (!out.isEmpty())
            out += QLatin1Char('\n');
        out += line.text;
    }
    return out;
}

std::optional<JsonLines> JsonLines::fromJson(const QByteArray &json, int indent) {
    QJsonParseError error;
    // Wrapping in an array lets a scalar root parse too.
    const QJsonDocument document = QJsonDocument::fromJson("[" + json.trimmed() + "]", &error);
    if (error.error != QJsonParseError::NoError || json.trimmed().isEmpty() ||
        document.array().size() != 1)
        return std::nullopt;
    Printer printer(indent);
    printer.print(document.array().at(0), QString(), 0, QString(), QString());
    return std::move(printer.result);
}

QString JsonLines::escapeToken(const QString &token) {
    QString out = token;
    out.replace(QLatin1Char('~'), QStringLiteral("~0"));
    out.replace(QLatin1Char('/'), QStringLiteral("~1"));
    return out;
}

} // namespace ToolCapture
