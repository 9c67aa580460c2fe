#pragma once

namespace ToolCapture {

// What a CacheStore keeps for a key: the data path derives its immutable stored response from
// it and casts back (std::static_pointer_cast) after a lookup. The store never looks inside.
class CachePayload {
public:
    virtual ~CachePayload() = default;
};

} // namespace ToolCapture
