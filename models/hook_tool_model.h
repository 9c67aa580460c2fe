#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace ToolCapture {

// The tools the hook receiver knows (`GET /tools`, feed subject `tools`), one row each.
class HookToolModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { Name, Service, Capabilities, Method, Registrations, LastSeen, Count };

    explicit HookToolModel(QObject *parent = nullptr);

    // Replaces the list with a `GET /tools` document: the same tools in the same order give
    // dataChanged for the rows that changed, anything else one reset. False (and nothing
    // changed) when the document is not such a list.
    bool applyDocument(const QByteArray &json);

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct ToolRow {
        QString name;
        QString service;
        QStringList capabilities;
        QString method;
        qint64 registrations = 0;
        QString lastSeen; // RFC 3339
        QString lastEventType;

        bool operator==(const ToolRow &) const = default;
    };

    std::vector<ToolRow> m_rows;
};

} // namespace ToolCapture
