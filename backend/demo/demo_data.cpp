#include <backend/demo/demo_data.h>

namespace ToolCapture {

const std::vector<DemoItem> &demoItems() {
    static const std::vector<DemoItem> items = [] {
        struct Seed {
            const char *name;
            const char *category;
        };
        static constexpr Seed seeds[] = {
            {"Torque wrench", "tools"},
            {"Cordless drill", "tools"},
            {"Safety goggles", "safety"},
            {"Work gloves", "safety"},
            {"Hex key set", "tools"},
            {"LED work light", "electrical"},
            {"Extension cord 10 m", "electrical"},
            {"Cable ties (100)", "electrical"},
            {"Tape measure 5 m", "measuring"},
            {"Spirit level", "measuring"},
            {"Wood screws (200)", "fasteners"},
            {"Wall plugs (100)", "fasteners"},
        };
        static constexpr const char *warehouses[] = {"ams-1", "fra-2", "dub-1"};
        std::vector<DemoItem> result;
        int index = 0;
        for (const Seed &seed : seeds) {
            DemoItem item;
            item.sku = "SKU-" + QByteArray::number(1001 + index);
            item.name = seed.name;
            item.category = seed.category;
            item.warehouse = warehouses[index % 3];
            item.quantity = 40 + (index * 37) % 200;
            item.unitPriceCents = 299 + (index * 1733) % 9000;
            result.push_back(std::move(item));
            ++index;
        }
        return result;
    }();
    return items;
}

const DemoItem *findDemoItem(QByteArrayView sku) {
    for (const DemoItem &item : demoItems()) {
        if (item.sku == sku)
            return &item;
    }
    return nullptr;
}

} // namespace ToolCapture
