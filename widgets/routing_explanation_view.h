#pragma once

#include <models/routing_explanation.h>

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace ToolCapture {

// "Why here, why not there": the engine's summary of a routing decision, then each candidate
// instance with its score, the four parts drawn as bars, what they came from, and why it was
// chosen, the runner-up, passed over or excluded. Shown by the Requests inspector and by the
// Services view for a selected capture.
class RoutingExplanationView : public QWidget {
    Q_OBJECT
public:
    enum class Column {
        Instance,
        Verdict, // chosen, runner-up, excluded (why), lower score
        Score,
        Performance,
        Reliability,
        Load,
        Compatibility,
        Latency,
        SuccessRate,
        Active,
        Count
    };

    explicit RoutingExplanationView(QWidget *parent = nullptr);

    void setExplanation(const RoutingExplanation &explanation);
    void clear();
    const RoutingExplanation &explanation() const { return m_explanation; }

    // The verdict shown for one candidate (for tests and tool tips).
    static QString verdict(const RoutingExplanation &explanation,
                           const RoutingExplanation::Candidate &candidate);

private:
    RoutingExplanation m_explanation;
    QLabel *m_summary;
    QTreeWidget *m_candidates;
};

} // namespace ToolCapture
