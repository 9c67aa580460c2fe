#pragma once

#include <models/capped_row_model.h>

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace ToolCapture {

// What the hook receiver accepted, newest at the bottom: executions with their durations and
// outcomes, service lifecycle reports and tool registrations, appended in batches and capped.
class HookEventModel : public CappedRowModel<QJsonObject> {
    Q_OBJECT
public:
    enum class Column { Time, Kind, Service, Detail, Duration, Outcome, Count };
    enum class Kind { Execution, Lifecycle, Tool, Other };
    enum Role {
        KindRole = Qt::UserRole + 1, // Kind as int
        SuccessRole,                 // executions: bool; others: invalid
        DurationMsRole,              // executions: double; others: invalid
        EventJsonRole,               // the whole event, indented
    };

    explicit HookEventModel(QObject *parent = nullptr);

    // Queues the events of a JSON array (oldest first): each item is a hook event as published
    // (docs/hooks.md), or an object holding one under "event". Returns how many were queued;
    // items without an event_type are skipped.
    int appendJsonArray(const QByteArray &json);
    // Queues one event (the value of a hooks.* or tools.* topic record).
    void appendEvent(const QJsonObject &event);

    static Kind kindOf(const QJsonObject &event);

    // QAbstractItemModel
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant display(const QJsonObject &event, Column column) const;
};

} // namespace ToolCapture
