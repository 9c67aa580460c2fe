#pragma once

#include <backend/resilience/breaker_state.h>

#include <QString>

#include <functional>

namespace ToolCapture {

// What the admin API may ask the engine to change. Given by the engine; called on the engine
// thread (where the AdminServer lives), so the engine applies it to its own objects directly.
struct AdminCommands {
    // Puts the breaker of the instance with this id in `mode`, recording who asked and why
    // (either may be empty); false when there is no such instance.
    std::function<bool(const QString &instanceId, BreakerMode mode, const QString &actor,
                       const QString &reason)>
        setBreakerMode;
};

} // namespace ToolCapture
