#pragma once

#include <QList>
#include <QString>

namespace ToolCapture {

// One HTTP header field as the admin API lists it ({"name", "value"}).
struct HeaderField {
    QString name;
    QString value;

    friend bool operator==(const HeaderField &, const HeaderField &) = default;
};

using HeaderFields = QList<HeaderField>;

} // namespace ToolCapture
