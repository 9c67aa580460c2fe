#pragma once

#include <models/capture_summary.h>

#include <QList>
#include <QPair>
#include <QRegularExpression>
#include <QString>

namespace ToolCapture {

// A filter expression over captured exchanges, such as
// `status>=500 service:inventory path~/users method:POST !instance:inventory-2`: terms separated
// by spaces, all of which must hold. A term is `field op value` or free text; `!` or `-` before
// a term negates it; values with spaces go in double quotes.
//   status      = == : != < <= > >=  a code (0: no response), or `5xx` with = : !=
//   duration    = == : != < <= > >=  milliseconds (also `duration_ms`, `ms`)
//   id          = == : != < <= > >=  the capture id
//   service, instance, method, cid (correlation id, also `correlation_id`), error (the
//   proxy's own problem type): `:` or `=` exact (method in any case), `!=`, `~` regex
//   path        `:` or `=` prefix, `!=` not that prefix, `~` regex (plain text: contains)
//   free text   contained in method, path and query, service, instance, correlation id,
//               status or error, in any case
// A bad expression gives an error with the position (in characters) where it starts.
class CaptureFilter {
public:
    enum class Field {
        Text,
        Status,
        Duration,
        Id,
        Service,
        Instance,
        Method,
        Path,
        CorrelationId,
        Error
    };
    enum class Op { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, Regex };

    struct Term {
        Field field = Field::Text;
        Op op = Op::Equal;
        bool negated = false;
        QString text;        // string fields and free text (method upper-cased)
        double number = 0;   // numeric fields
        int statusClass = 0; // 1..5 for `status:5xx`, else 0
        QRegularExpression regex;
        int position = 0; // where the term starts in the expression
    };

    CaptureFilter() = default;
    static CaptureFilter parse(const QString &expression);

    const QString &expression() const { return m_expression; }
    bool isValid() const { return m_error.isEmpty(); }
    bool isEmpty() const { return m_terms.isEmpty(); } // matches everything (when valid)
    const QString &error() const { return m_error; }
    int errorPosition() const { return m_errorPosition; } // -1 when valid
    int errorLength() const { return m_errorLength; }
    const QList<Term> &terms() const { return m_terms; }

    // An invalid filter matches nothing.
    bool matches(const CaptureSummary &capture) const;

    // The query parameters of GET /api/v1/captures that select a superset of what this filter
    // matches (its positive terms the API knows), so history pages in already narrowed. The
    // filter itself still applies to what comes back.
    QList<QPair<QString, QString>> serverQuery() const;

    friend bool operator==(const CaptureFilter &a, const CaptureFilter &b) {
        return a.m_expression == b.m_expression;
    }

private:
    bool fail(int position, int length, const QString &message);

    QString m_expression;
    QList<Term> m_terms;
    QString m_error;
    int m_errorPosition = -1;
    int m_errorLength = 0;
};

} // namespace ToolCapture
