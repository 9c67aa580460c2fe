#include <models/strict_json.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonParseError>

namespace ToolCapture {

namespace {

QString tr(const char *text) {
    return QCoreApplication::translate("ToolCapture::StrictJson", text);
}

QString typeName(const QJsonValue &value) {
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("missing");
}

} // namespace

QString StrictJson::join(const QString &path, const QString &key) {
    return path.isEmpty() ? key : path + QLatin1Char('.') + key;
}

QString StrictJson::indexed(const QString &path, qsizetype index) {
    return path + QStringLiteral("[%1]").arg(index);
}

void StrictJson::fail(const QString &path, const QString &what) {
    if (m_error.isEmpty())
        m_error = path.isEmpty() ? what : path + QStringLiteral(": ") + what;
}

QJsonObject StrictJson::document(const QByteArray &json) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        fail({},
             tr("not JSON (%1 at byte %2)").arg(parseError.errorString()).arg(parseError.offset));
        return {};
    }
    if (!document.isObject()) {
        fail({}, tr("expected a JSON object"));
        return {};
    }
    return document.object();
}

QJsonValue StrictJson::member(const QJsonObject &parent, const QString &key, const QString &path) {
    if (!ok())
        return QJsonValue(QJsonValue::Undefined);
    const auto it = parent.constFind(key);
    if (it == parent.constEnd()) {
        fail(join(path, key), tr("missing"));
        return QJsonValue(QJsonValue::Undefined);
    }
    return it.value();
}

QJsonObject StrictJson::object(const QJsonObject &parent, const QString &key, const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (ok() && !value.isObject())
        fail(join(path, key), tr("expected an object, got %1").arg(typeName(value)));
    return value.toObject();
}

std::optional<QJsonObject> StrictJson::optionalObject(const QJsonObject &parent, const QString &key,
                                                      const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (!ok() || value.isNull())
        return std::nullopt;
    if (!value.isObject()) {
        fail(join(path, key), tr("expected an object or null, got %1").arg(typeName(value)));
        return std::nullopt;
    }
    return value.toObject();
}

QJsonArray StrictJson::array(const QJsonObject &parent, const QString &key, const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (ok() && !value.isArray())
        fail(join(path, key), tr("expected an array, got %1").arg(typeName(value)));
    return value.toArray();
}

QJsonObject StrictJson::element(const QJsonValue &value, const QString &path) {
    if (ok() && !value.isObject())
        fail(path, tr("expected an object, got %1").arg(typeName(value)));
    return value.toObject();
}

QString StrictJson::string(const QJsonObject &parent, const QString &key, const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (ok() && !value.isString())
        fail(join(path, key), tr("expected a string, got %1").arg(typeName(value)));
    return value.toString();
}

QString StrictJson::optionalString(const QJsonObject &parent, const QString &key,
                                   const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (ok() && !value.isString() && !value.isNull())
        fail(join(path, key), tr("expected a string or null, got %1").arg(typeName(value)));
    return value.toString();
}

double StrictJson::number(const QJsonObject &parent, const QString &key, const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (ok() && !value.isDouble())
        fail(join(path, key), tr("expected a number, got %1").arg(typeName(value)));
    return value.toDouble();
}

std::optional<double> StrictJson::optionalNumber(const QJsonObject &parent, const QString &key,
                                                 const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (!ok() || value.isNull())
        return std::nullopt;
    if (!value.isDouble()) {
        fail(join(path, key), tr("expected a number or null, got %1").arg(typeName(value)));
        return std::nullopt;
    }
    return value.toDouble();
}

double StrictJson::number(const QJsonObject &parent, const QString &key, const QString &path,
                          double low, double high) {
    const double value = number(parent, key, path);
    if (ok() && (value < low || value > high))
        fail(join(path, key), tr("%1 is outside %2..%3").arg(value).arg(low).arg(high));
    return value;
}

bool StrictJson::boolean(const QJsonObject &parent, const QString &key, const QString &path) {
    const QJsonValue value = member(parent, key, path);
    if (ok() && !value.isBool())
        fail(join(path, key), tr("expected true or false, got %1").arg(typeName(value)));
    return value.toBool();
}

QString StrictJson::oneOf(const QJsonObject &parent, const QString &key, const QString &path,
                          const QStringList &allowed) {
    const QString value = string(parent, key, path);
    if (ok() && !allowed.contains(value)) {
        fail(join(path, key),
             tr("\"%1\" is not one of %2").arg(value, allowed.join(QStringLiteral(", "))));
    }
    return value;
}

QJsonValue StrictJson::present(const QJsonObject &parent, const QString &key, const QString &path) {
    return member(parent, key, path);
}

} // namespace ToolCapture
