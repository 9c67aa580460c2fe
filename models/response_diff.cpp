#include <models/capture_detail.h>
#include <models/response_diff.h>

#include <QJsonArray>

namespace ToolCapture {

namespace {

QList<ResponseDiff::HeaderChange> headerChanges(const QJsonValue &value) {
    QList<ResponseDiff::HeaderChange> changes;
    for (const QJsonValue &item : value.toArray()) {
        const QJsonObject o = item.toObject();
        changes.push_back({o.value(QLatin1StringView("name")).toString(),
                           o.value(QLatin1StringView("before")),
                           o.value(QLatin1StringView("after"))});
    }
    return changes;
}

} // namespace

bool ResponseDiff::touches(const QString &pointer, bool beforeSide) const {
    for (const BodyChange &change : bodyChanges) {
        if (beforeSide && change.op == BodyChange::Op::Add)
            continue;
        if (!beforeSide && change.op == BodyChange::Op::Remove)
            continue;
        if (pointer == change.pointer ||
            (pointer.startsWith(change.pointer) && pointer.size() > change.pointer.size() &&
             pointer.at(change.pointer.size()) == QLatin1Char('/')) ||
            change.pointer.isEmpty())
            return true;
    }
    return false;
}

ResponseDiff ResponseDiff::fromJson(const QJsonObject &diff) {
    ResponseDiff d;
    if (diff.isEmpty())
        return d;
    d.valid = true;
    d.changed = diff.value(QLatin1StringView("changed")).toBool();
    const QJsonObject status = diff.value(QLatin1StringView("status")).toObject();
    d.statusBefore = status.value(QLatin1StringView("before")).toInt();
    d.statusAfter = status.value(QLatin1StringView("after")).toInt();
    d.statusChanged = status.value(QLatin1StringView("changed")).toBool();

    const QJsonObject headers = diff.value(QLatin1StringView("headers")).toObject();
    d.headersEqual = headers.value(QLatin1StringView("equal")).toBool(true);
    d.addedHeaders = headerFieldsFromJson(headers.value(QLatin1StringView("added")));
    d.removedHeaders = headerFieldsFromJson(headers.value(QLatin1StringView("removed")));
    d.changedHeaders = headerChanges(headers.value(QLatin1StringView("changed")));
    d.ignoredHeaders = headerChanges(headers.value(QLatin1StringView("ignored")));

    const QJsonObject body = diff.value(QLatin1StringView("body")).toObject();
    d.bodyKind = body.value(QLatin1StringView("kind")).toString();
    d.bodyEqual = body.value(QLatin1StringView("equal")).toBool(true);
    d.bodyBeforeSize = body.value(QLatin1StringView("before_size")).toInteger();
    d.bodyAfterSize = body.value(QLatin1StringView("after_size")).toInteger();
    d.bodyChangesTruncated = body.value(QLatin1StringView("truncated")).toBool();
    d.firstDifferenceLine = body.value(QLatin1StringView("first_difference_line")).toInt();
    for (const QJsonValue &item : body.value(QLatin1StringView("changes")).toArray()) {
        const QJsonObject o = item.toObject();
        BodyChange change;
        const QString op = o.value(QLatin1StringView("op")).toString();
        change.op = op == QLatin1StringView("add")      ? BodyChange::Op::Add
                    : op == QLatin1StringView("remove") ? BodyChange::Op::Remove
                                                        : BodyChange::Op::Replace;
        change.pointer = o.value(QLatin1StringView("path")).toString();
        change.before = o.value(QLatin1StringView("before"));
        change.after = o.value(QLatin1StringView("after"));
        d.bodyChanges.push_back(change);
    }
    return d;
}

} // namespace ToolCapture
