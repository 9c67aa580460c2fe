#include <backend/hooks/tool_registry.h>

namespace ToolCapture {

const ToolRegistry::Tool *ToolRegistry::find(const std::string &name) const {
    const auto it = m_tools.find(name);
    return it == m_tools.end() ? nullptr : &it->second;
}

void ToolRegistry::record(const std::string &name, nlohmann::ordered_json toolInfo,
                          const std::string &registrationMethod, const std::string &eventType,
                          const std::string &at) {
    Tool &tool = m_tools[name];
    if (tool.registrations == 0)
        tool.firstSeen = at;
    tool.toolInfo = std::move(toolInfo);
    tool.registrationMethod = registrationMethod;
    tool.lastEventType = eventType;
    tool.lastSeen = at;
    ++tool.registrations;
}

nlohmann::ordered_json ToolRegistry::toJson() const {
    nlohmann::ordered_json tools = nlohmann::ordered_json::array();
    for (const auto &[name, tool] : m_tools) {
        nlohmann::ordered_json entry = tool.toolInfo;
        entry["registration_method"] = tool.registrationMethod;
        entry["last_event_type"] = tool.lastEventType;
        entry["first_seen"] = tool.firstSeen;
        entry["last_seen"] = tool.lastSeen;
        entry["registrations"] = tool.registrations;
        tools.push_back(std::move(entry));
    }
    return {{"count", m_tools.size()}, {"tools", std::move(tools)}};
}

} // namespace ToolCapture
