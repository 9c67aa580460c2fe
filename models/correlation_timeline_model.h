#pragma once

#include <QAbstractTableModel>
#include <QString>

#include <vector>

namespace ToolCapture {

// What the analyser saw of one correlation id (GET /api/v1/correlations/{id},
// docs/intelligence-api.md): its events in time order (offset from the first, topic, kind,
// service, instance, summary). Filled from whole documents; one that does not follow the
// contract is refused with an error.
class CorrelationTimelineModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { Offset, Topic, Kind, Service, Instance, Summary, Count };
    enum Role {
        ValueRole = Qt::UserRole + 1, // the number or text behind a cell
        FractionRole,                 // offset only: the event's place on the span, 0..1
    };

    struct Event {
        QString at;
        double offsetMs = 0;
        QString topic;
        QString kind;
        QString service;
        QString instance;
        QString summary;
    };

    explicit CorrelationTimelineModel(QObject *parent = nullptr);

    // Replaces the events with the document's; false (events unchanged, errorString() says why)
    // when it does not parse or its events are not in time order.
    bool setDocument(const QByteArray &json);
    void clear();
    QString errorString() const { return m_error; }
    QString correlationId() const { return m_correlationId; }
    // From the first event to the last.
    double spanMs() const { return m_rows.empty() ? 0.0 : m_rows.back().offsetMs; }
    const Event &at(int row) const { return m_rows.at(size_t(row)); }

    static QString kindLabel(const QString &kind);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<Event> m_rows;
    QString m_correlationId;
    QString m_error;
};

} // namespace ToolCapture
