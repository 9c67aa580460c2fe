#pragma once

#include <backend/demo/demo_instance.h>

namespace ToolCapture {

// A demo inventory upstream: stock per SKU and reservations.
//   GET  /inventory/items         the list of items
//   GET  /inventory/items/{sku}   one item (404 for an unknown SKU)
//   POST /inventory/reservations  {"sku", "quantity"} -> 201 with a reservation id;
//                                 400 on bad JSON or fields, 404 unknown SKU, 409 not in stock
// Lives in the thread that created it.
class InventoryInstance : public DemoInstance {
    Q_OBJECT
public:
    using DemoInstance::DemoInstance;

protected:
    // DemoInstance
    HttpResponse handle(const HttpRequest &request) override;

private:
    HttpResponse reserve(const HttpRequest &request);

    quint64 m_reservations = 0;
};

} // namespace ToolCapture
