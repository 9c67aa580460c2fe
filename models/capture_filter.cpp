#include <models/capture_filter.h>

#include <QCoreApplication>

#include <array>
#include <utility>

namespace ToolCapture {

namespace {

struct FieldName {
    QLatin1StringView name;
    CaptureFilter::Field field;
};

constexpr std::array kFieldNames{
    FieldName{QLatin1StringView("status"), CaptureFilter::Field::Status},
    FieldName{QLatin1StringView("duration"), CaptureFilter::Field::Duration},
    FieldName{QLatin1StringView("duration_ms"), CaptureFilter::Field::Duration},
    FieldName{QLatin1StringView("ms"), CaptureFilter::Field::Duration},
    FieldName{QLatin1StringView("id"), CaptureFilter::Field::Id},
    FieldName{QLatin1StringView("service"), CaptureFilter::Field::Service},
    FieldName{QLatin1StringView("instance"), CaptureFilter::Field::Instance},
    FieldName{QLatin1StringView("method"), CaptureFilter::Field::Method},
    FieldName{QLatin1StringView("path"), CaptureFilter::Field::Path},
    FieldName{QLatin1StringView("cid"), CaptureFilter::Field::CorrelationId},
    FieldName{QLatin1StringView("correlation_id"), CaptureFilter::Field::CorrelationId},
    FieldName{QLatin1StringView("error"), CaptureFilter::Field::Error},
};

bool isNumeric(CaptureFilter::Field field) {
    return field == CaptureFilter::Field::Status || field == CaptureFilter::Field::Duration ||
           field == CaptureFilter::Field::Id;
}

// A token of the expression: its text with quotes removed, where it starts, and the offset in
// the expression of each character of `text` (for error positions inside quoted values).
struct Token {
    QString text;
    QList<int> offsets;
    int position = 0;
    int end = 0;
};

template<typename T>
bool compare(T a, CaptureFilter::Op op, T b) {
    switch (op) {
    case CaptureFilter::Op::Equal:
        return a == b;
    case CaptureFilter::Op::NotEqual:
        return a != b;
    case CaptureFilter::Op::Less:
        return a < b;
    case CaptureFilter::Op::LessEqual:
        return a <= b;
    case CaptureFilter::Op::Greater:
        return a > b;
    case CaptureFilter::Op::GreaterEqual:
        return a >= b;
    case CaptureFilter::Op::Regex:
        return false;
    }
    return false;
}

bool termMatches(const CaptureFilter::Term &term, const CaptureSummary &c) {
    using Field = CaptureFilter::Field;
    using Op = CaptureFilter::Op;
    const auto stringMatch = [&term](const QString &value, bool caseInsensitive) {
        if (term.op == Op::Regex)
            return term.regex.match(value).hasMatch();
        const bool equal = value.compare(term.text, caseInsensitive ? Qt::CaseInsensitive
                                                                    : Qt::CaseSensitive) == 0;
        return term.op == Op::NotEqual ? !equal : equal;
    };
    switch (term.field) {
    case Field::Text: {
        const Qt::CaseSensitivity cs = Qt::CaseInsensitive;
        return c.method.contains(term.text, cs) || c.target().contains(term.text, cs) ||
               c.service.contains(term.text, cs) || c.instance.contains(term.text, cs) ||
               c.correlationId.contains(term.text, cs) ||
               QString::number(c.status).contains(term.text) ||
               c.proxyError.contains(term.text, cs);
    }
    case Field::Status:
        if (term.statusClass > 0) {
            const bool inClass = c.status / 100 == term.statusClass;
            return term.op == Op::NotEqual ? !inClass : inClass;
        }
        return compare(double(c.status), term.op, term.number);
    case Field::Duration:
        // An exchange that never completed has no duration: no comparison holds.
        return c.doneUs >= 0 && compare(c.durationMs(), term.op, term.number);
    case Field::Id:
        return compare(double(c.id), term.op, term.number);
    case Field::Service:
        return stringMatch(c.service, false);
    case Field::Instance:
        return stringMatch(c.instance, false);
    case Field::Method:
        return stringMatch(c.method, true);
    case Field::CorrelationId:
        return stringMatch(c.correlationId, false);
    case Field::Error:
        return stringMatch(c.proxyError, false);
    case Field::Path:
        if (term.op == Op::Regex)
            return term.regex.match(c.target()).hasMatch();
        return term.op == Op::NotEqual ? !c.path.startsWith(term.text)
                                       : c.path.startsWith(term.text);
    }
    return false;
}

} // namespace

bool CaptureFilter::fail(int position, int length, const QString &message) {
    m_error = message;
    m_errorPosition = position;
    m_errorLength = qMax(1, length);
    m_terms.clear();
    return false;
}

CaptureFilter CaptureFilter::parse(const QString &expression) {
    CaptureFilter filter;
    filter.m_expression = expression;
    const int n = int(expression.size());

    // Tokens: runs of characters outside quotes up to unquoted whitespace.
    QList<Token> tokens;
    int i = 0;
    while (i < n) {
        if (expression.at(i).isSpace()) {
            ++i;
            continue;
        }
        Token token;
        token.position = i;
        while (i < n && !expression.at(i).isSpace()) {
            if (expression.at(i) == QLatin1Char('"')) {
                const int quote = i++;
                while (i < n && expression.at(i) != QLatin1Char('"')) {
                    if (expression.at(i) == QLatin1Char('\\') && i + 1 < n)
                        ++i;
                    token.text += expression.at(i);
                    token.offsets.push_back(i);
                    ++i;
                }
                if (i >= n) {
                    filter.fail(quote, n - quote,
                                QCoreApplication::translate("CaptureFilter", "unterminated quote"));
                    return filter;
                }
                ++i; // the closing quote
            } else {
                token.text += expression.at(i);
                token.offsets.push_back(i);
                ++i;
            }
        }
        token.end = i;
        tokens.push_back(std::move(token));
    }

    for (const Token &token : tokens) {
        Term term;
        term.position = token.position;
        QString text = token.text;
        QList<int> offsets = token.offsets;
        // A leading '!' or '-' outside quotes negates.
        const bool quotedStart = offsets.isEmpty() || offsets.first() != token.position;
        if (!quotedStart && !text.isEmpty() &&
            (text.at(0) == QLatin1Char('!') || text.at(0) == QLatin1Char('-'))) {
            term.negated = true;
            text.remove(0, 1);
            offsets.removeFirst();
            if (text.isEmpty()) {
                filter.fail(
                    token.position, 1,
                    QCoreApplication::translate("CaptureFilter", "nothing to negate after '%1'")
                        .arg(expression.at(token.position)));
                return filter;
            }
        }
        const int start = offsets.isEmpty() ? token.end : offsets.first();

        // `field op value`, the field name outside quotes.
        int nameEnd = 0;
        while (nameEnd < text.size() && nameEnd < offsets.size() &&
               offsets.at(nameEnd) == start + nameEnd &&
               (text.at(nameEnd).isLetter() || text.at(nameEnd) == QLatin1Char('_')))
            ++nameEnd;
        static const std::array<std::pair<QLatin1StringView, Op>, 9> kOps{{
            {QLatin1StringView(">="), Op::GreaterEqual},
            {QLatin1StringView("<="), Op::LessEqual},
            {QLatin1StringView("!="), Op::NotEqual},
            {QLatin1StringView("=="), Op::Equal},
            {QLatin1StringView("="), Op::Equal},
            {QLatin1StringView("<"), Op::Less},
            {QLatin1StringView(">"), Op::Greater},
            {QLatin1StringView(":"), Op::Equal},
            {QLatin1StringView("~"), Op::Regex},
        }};
        int opLength = 0;
        QLatin1StringView opText;
        if (nameEnd > 0) {
            const QStringView rest = QStringView(text).mid(nameEnd);
            for (const auto &[spelling, op] : kOps) {
                // The operator too must be written outside quotes.
                if (rest.startsWith(spelling) &&
                    offsets.value(nameEnd + int(spelling.size()) - 1) ==
                        start + nameEnd + int(spelling.size()) - 1) {
                    opLength = int(spelling.size());
                    opText = spelling;
                    term.op = op;
                    break;
                }
            }
        }
        if (opLength == 0) {
            term.field = Field::Text;
            term.text = text;
            if (!term.text.isEmpty())
                filter.m_terms.push_back(std::move(term));
            continue;
        }

        const QString name = text.left(nameEnd).toLower();
        bool known = false;
        for (const FieldName &f : kFieldNames) {
            if (name == f.name) {
                term.field = f.field;
                known = true;
                break;
            }
        }
        if (!known) {
            filter.fail(start, nameEnd,
                        QCoreApplication::translate(
                            "CaptureFilter",
                            "unknown field '%1' (fields: status, duration, id, service, instance, "
                            "method, path, cid, error)")
                            .arg(text.left(nameEnd)));
            return filter;
        }
        const QString value = text.mid(nameEnd + opLength);
        const int valuePosition = value.isEmpty() ? token.end : offsets.at(nameEnd + opLength);
        if (value.isEmpty()) {
            filter.fail(
                valuePosition, 1,
                QCoreApplication::translate("CaptureFilter", "a value is missing after '%1%2'")
                    .arg(text.left(nameEnd), opText));
            return filter;
        }
        const bool ordering = term.op == Op::Less || term.op == Op::LessEqual ||
                              term.op == Op::Greater || term.op == Op::GreaterEqual;

        if (isNumeric(term.field)) {
            if (term.op == Op::Regex) {
                filter.fail(start + nameEnd, opLength,
                            QCoreApplication::translate("CaptureFilter",
                                                        "'%1' compares numbers: use = != < <= > >=")
                                .arg(name));
                return filter;
            }
            if (term.field == Field::Status && value.size() == 3 &&
                value.endsWith(QLatin1StringView("xx"), Qt::CaseInsensitive)) {
                const int cls = value.at(0).digitValue();
                if (cls < 1 || cls > 5) {
                    filter.fail(valuePosition, 3,
                                QCoreApplication::translate("CaptureFilter",
                                                            "a status class is 1xx to 5xx"));
                    return filter;
                }
                if (ordering) {
                    filter.fail(start + nameEnd, opLength,
                                QCoreApplication::translate(
                                    "CaptureFilter", "a status class takes = or !=, not '%1'")
                                    .arg(opText));
                    return filter;
                }
                term.statusClass = cls;
            } else {
                bool ok = false;
                term.number = term.field == Field::Duration ? value.toDouble(&ok)
                                                            : double(value.toLongLong(&ok));
                if (!ok || term.number < 0) {
                    filter.fail(
                        valuePosition, int(value.size()),
                        term.field == Field::Status
                            ? QCoreApplication::translate(
                                  "CaptureFilter",
                                  "'%1' is not a status code (such as 404) or class "
                                  "(such as 5xx)")
                                  .arg(value)
                            : QCoreApplication::translate("CaptureFilter", "'%1' is not a number")
                                  .arg(value));
                    return filter;
                }
                if (term.field == Field::Status && term.number > 599) {
                    filter.fail(valuePosition, int(value.size()),
                                QCoreApplication::translate("CaptureFilter",
                                                            "a status code is at most 599"));
                    return filter;
                }
            }
        } else {
            if (ordering) {
                filter.fail(
                    start + nameEnd, opLength,
                    QCoreApplication::translate("CaptureFilter", "'%1' takes : = != or ~, not '%2'")
                        .arg(name, opText));
                return filter;
            }
            term.text = term.field == Field::Method ? value.toUpper() : value;
            if (term.op == Op::Regex) {
                term.regex = QRegularExpression(
                    value, term.field == Field::Path ? QRegularExpression::NoPatternOption
                                                     : QRegularExpression::CaseInsensitiveOption);
                if (!term.regex.isValid()) {
                    const int offset =
                        qBound(0, term.regex.patternErrorOffset(), int(value.size()) - 1);
                    filter.fail(
                        offsets.at(nameEnd + opLength + offset), 1,
                        QCoreApplication::translate("CaptureFilter", "bad regular expression: %1")
                            .arg(term.regex.errorString()));
                    return filter;
                }
                term.regex.optimize();
            }
        }
        filter.m_terms.push_back(std::move(term));
    }
    return filter;
}

bool CaptureFilter::matches(const CaptureSummary &capture) const {
    if (!isValid())
        return false;
    for (const Term &term : m_terms) {
        if (termMatches(term, capture) == term.negated)
            return false;
    }
    return true;
}

QList<QPair<QString, QString>> CaptureFilter::serverQuery() const {
    QList<QPair<QString, QString>> query;
    if (!isValid())
        return query;
    const auto add = [&query](const QString &name, const QString &value) {
        for (const auto &pair : std::as_const(query)) {
            if (pair.first == name)
                return; // the first one narrows; the filter applies the others
        }
        query.push_back({name, value});
    };
    for (const Term &term : m_terms) {
        if (term.negated || term.op != Op::Equal)
            continue;
        switch (term.field) {
        case Field::Status:
            if (term.statusClass > 0)
                add(QStringLiteral("status_class"), QString::number(term.statusClass));
            else if (term.number >= 100)
                add(QStringLiteral("status"), QString::number(int(term.number)));
            break;
        case Field::Service:
            add(QStringLiteral("service"), term.text);
            break;
        case Field::Instance:
            add(QStringLiteral("instance"), term.text);
            break;
        case Field::Method:
            add(QStringLiteral("method"), term.text);
            break;
        case Field::Path:
            add(QStringLiteral("path_prefix"), term.text);
            break;
        case Field::CorrelationId:
            add(QStringLiteral("correlation_id"), term.text);
            break;
        default:
            break;
        }
    }
    return query;
}

} // namespace ToolCapture
