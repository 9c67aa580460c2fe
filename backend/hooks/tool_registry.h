#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace ToolCapture {

// The tools HookReceiver has been told about, by name, each as its latest registration said.
// Bounded: past `capacity` tools, new names are refused (known ones can still change).
// Lives in the HookReceiver's thread.
class ToolRegistry {
public:
    struct Tool {
        nlohmann::ordered_json toolInfo; // tool_info of the latest registration
        std::string registrationMethod;
        std::string lastEventType;
        std::string firstSeen; // RFC 3339
        std::string lastSeen;
        std::uint64_t registrations = 0; // events accepted for this name
    };

    explicit ToolRegistry(std::size_t capacity = 10000)
        : m_capacity(capacity) {}

    const Tool *find(const std::string &name) const;
    bool full() const { return m_tools.size() >= m_capacity; }
    std::size_t capacity() const { return m_capacity; }
    std::size_t size() const { return m_tools.size(); }

    // Records a registration: the tool_info, method and event type replace the previous ones.
    void record(const std::string &name, nlohmann::ordered_json toolInfo,
                const std::string &registrationMethod, const std::string &eventType,
                const std::string &at);

    // {"count": n, "tools": [{name, service_source, ...}, ...]} sorted by name.
    nlohmann::ordered_json toJson() const;

private:
    std::map<std::string, Tool> m_tools;
    std::size_t m_capacity;
};

} // namespace ToolCapture
