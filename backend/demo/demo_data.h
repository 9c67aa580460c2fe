#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace ToolCapture {

// One article of the demo shop, shared by the inventory, pricing and catalog services and the
// traffic generator, so generated requests name things the services know.
struct DemoItem {
    QByteArray sku;
    QByteArray name;
    QByteArray category;
    QByteArray warehouse;
    int quantity = 0;
    int unitPriceCents = 0;
};

// Every article, in a fixed order.
const std::vector<DemoItem> &demoItems();
// The article with this SKU, or nullptr.
const DemoItem *findDemoItem(QByteArrayView sku);

} // namespace ToolCapture
