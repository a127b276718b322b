#pragma once
// C++ only (C++11 and later). Little-endian, bounds-checked reading and writing of AAPXS payloads
// (docs/spec/abi.md section 5). Part of include/ so that a plugin shipping an extension needs
// nothing else (the aap::ext serializers use the same classes).
//
// Every standard extension serializes field by field through these two classes, so the bytes are
// the same on any host byte order and a short or hostile payload can never be read or written out
// of bounds: a reader that runs out of bytes (or a writer out of room) turns `ok()` false and
// every later access is a no-op returning zero. Check ok() once at the end.
//
// [thread-safe] for distinct objects; realtime-safe (no allocation, no locks).

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace aap {

class ByteWriter {
public:
    ByteWriter(void* buffer, std::size_t capacity) noexcept
        : data_(static_cast<std::uint8_t*>(buffer)), capacity_(buffer == nullptr ? 0 : capacity) {}

    void u8(std::uint8_t value) noexcept { put(&value, 1); }
    void u16(std::uint16_t value) noexcept {
        std::uint8_t b[2] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8)};
        put(b, 2);
    }
    void u32(std::uint32_t value) noexcept {
        std::uint8_t b[4];
        for (int i = 0; i < 4; i++)
            b[i] = static_cast<std::uint8_t>(value >> (8 * i));
        put(b, 4);
    }
    void u64(std::uint64_t value) noexcept {
        std::uint8_t b[8];
        for (int i = 0; i < 8; i++)
            b[i] = static_cast<std::uint8_t>(value >> (8 * i));
        put(b, 8);
    }
    void i16(std::int16_t value) noexcept { u16(static_cast<std::uint16_t>(value)); }
    void i32(std::int32_t value) noexcept { u32(static_cast<std::uint32_t>(value)); }
    void f64(double value) noexcept {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &value, sizeof(bits));
        u64(bits);
    }
    // Writes `size` bytes from `bytes` (may be null only when size is 0).
    void bytes(const void* bytes, std::size_t size) noexcept { put(bytes, size); }
    // Writes `count` zero bytes (padding).
    void zeros(std::size_t count) noexcept {
        if (!reserve(count))
            return;
        std::memset(data_ + size_, 0, count);
        size_ += count;
    }
    // A fixed-size character array: the string's bytes up to its first NUL (at most fieldSize - 1
    // of them), then zeros up to fieldSize, so the field on the wire is always NUL-terminated.
    void fixedString(const char* text, std::size_t fieldSize) noexcept {
        if (!reserve(fieldSize) || fieldSize == 0)
            return;
        std::size_t length = 0;
        if (text != nullptr)
            while (length + 1 < fieldSize && text[length] != '\0')
                length++;
        if (length > 0)
            std::memcpy(data_ + size_, text, length);
        std::memset(data_ + size_ + length, 0, fieldSize - length);
        size_ += fieldSize;
    }

    bool ok() const noexcept { return ok_; }
    std::size_t size() const noexcept { return size_; }

private:
    bool reserve(std::size_t count) noexcept {
        if (!ok_ || count > capacity_ - size_) {
            ok_ = false;
            return false;
        }
        return true;
    }
    void put(const void* source, std::size_t count) noexcept {
        if (!reserve(count))
            return;
        if (count > 0)
            std::memcpy(data_ + size_, source, count);
        size_ += count;
    }

    std::uint8_t* data_;
    std::size_t capacity_;
    std::size_t size_ = 0;
    bool ok_ = true;
};

class ByteReader {
public:
    ByteReader(const void* buffer, std::size_t size) noexcept
        : data_(static_cast<const std::uint8_t*>(buffer)), size_(buffer == nullptr ? 0 : size) {}

    std::uint8_t u8() noexcept {
        std::uint8_t b = 0;
        take(&b, 1);
        return b;
    }
    std::uint16_t u16() noexcept {
        std::uint8_t b[2] = {0, 0};
        take(b, 2);
        return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
    }
    std::uint32_t u32() noexcept {
        std::uint8_t b[4] = {0, 0, 0, 0};
        take(b, 4);
        std::uint32_t value = 0;
        for (int i = 3; i >= 0; i--)
            value = (value << 8) | b[i];
        return value;
    }
    std::uint64_t u64() noexcept {
        std::uint8_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        take(b, 8);
        std::uint64_t value = 0;
        for (int i = 7; i >= 0; i--)
            value = (value << 8) | b[i];
        return value;
    }
    std::int16_t i16() noexcept { return static_cast<std::int16_t>(u16()); }
    std::int32_t i32() noexcept { return static_cast<std::int32_t>(u32()); }
    double f64() noexcept {
        const std::uint64_t bits = u64();
        double value = 0;
        std::memcpy(&value, &bits, sizeof(value));
        return value;
    }
    // Copies `size` bytes into `destination`; on a short payload copies nothing.
    void bytes(void* destination, std::size_t size) noexcept { take(destination, size); }
    // A pointer to the next `size` bytes (borrowed from the buffer), or null when there are fewer.
    const std::uint8_t* view(std::size_t size) noexcept {
        if (!ok_ || size > size_ - offset_) {
            ok_ = false;
            return nullptr;
        }
        const std::uint8_t* at = data_ + offset_;
        offset_ += size;
        return at;
    }
    void skip(std::size_t count) noexcept { (void)view(count); }
    // A fixed-size character array into `destination` (fieldSize bytes); the last byte is forced to
    // NUL, because the bytes come from another process.
    void fixedString(char* destination, std::size_t fieldSize) noexcept {
        if (fieldSize == 0)
            return;
        const std::uint8_t* at = view(fieldSize);
        if (at == nullptr) {
            std::memset(destination, 0, fieldSize);
            return;
        }
        std::memcpy(destination, at, fieldSize);
        destination[fieldSize - 1] = '\0';
    }

    bool ok() const noexcept { return ok_; }
    std::size_t remaining() const noexcept { return ok_ ? size_ - offset_ : 0; }
    // ok() and every byte consumed: the payload had exactly the expected size.
    bool done() const noexcept { return ok_ && offset_ == size_; }

private:
    void take(void* destination, std::size_t count) noexcept {
        const std::uint8_t* at = view(count);
        if (at != nullptr && count > 0)
            std::memcpy(destination, at, count);
    }

    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t offset_ = 0;
    bool ok_ = true;
};

} // namespace aap
