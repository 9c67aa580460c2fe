#pragma once

#include <backend/feed/feed_message.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QStringList>

#include <vector>

namespace ToolCapture {

// The operators' breaker commands as the engine keeps them (the "audit" of the breakers
// document, oldest first): who, when, on which instance, the state and mode before, the mode
// after, and why. The engine bounds the list; a changed list replaces the rows with one reset.
class BreakerAuditModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { Time, Instance, Actor, PreviousState, Mode, Reason, Count };

    explicit BreakerAuditModel(QObject *parent = nullptr);

    static QStringList subjects() { return {QStringLiteral("breakers")}; }
    void apply(const FeedMessage &message);
    // Takes the "audit" of a breakers document; false (nothing changes) when it has none.
    bool applyDocument(const QByteArray &json);

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QDateTime at;
        QString instance;
        QString actor;
        QString reason;
        QString previousState;
        QString previousMode;
        QString mode;
        bool operator==(const Row &) const = default;
    };

    std::vector<Row> m_rows;
};

} // namespace ToolCapture
