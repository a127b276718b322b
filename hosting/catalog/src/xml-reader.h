#pragma once
// A small, strict, non-validating XML 1.0 reader for aap_metadata.xml (private to the catalog).
//
// Supported: UTF-8 text (optional BOM), the XML declaration (encoding must be UTF-8), comments,
// processing instructions (skipped), elements, attributes in either quote style, the five
// predefined entities and numeric character references, in text and attribute values.
// Rejected with an error: DOCTYPE and other <! declarations, CDATA sections, invalid UTF-8,
// control characters, and every well-formedness error. Namespaces are not resolved: names keep
// their prefix ("gui:ui-view-factory") and xmlns attributes are ordinary attributes.
//
// Thread-safe (no shared state). Builds the whole tree; input size is bounded by the caller.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aap::xml {

struct Position {
    int line = 1;    // 1-based
    int column = 1;  // 1-based, in characters (UTF-8 sequences count as one)
};

struct Attribute {
    std::string name;
    std::string value;  // entities decoded, literal whitespace normalized to spaces
    Position position;  // of the attribute name
};

struct Element {
    std::string name;
    std::vector<Attribute> attributes;  // document order, names unique
    std::vector<Element> children;
    Position position;  // of the '<'
    // Character data directly inside this element, entities decoded, concatenated.
    std::string text;
    // Position of the first non-whitespace character of `text` (valid when hasNonSpaceText).
    bool hasNonSpaceText = false;
    Position textPosition;

    const Attribute* findAttribute(std::string_view attributeName) const;
};

struct Error {
    Position position;
    std::string message;
};

struct Document {
    bool ok = false;
    Element root;  // valid when ok
    Error error;   // valid when !ok
};

// Elements nested deeper than this are rejected (the metadata schema needs 5 levels).
inline constexpr int kMaxElementDepth = 32;
// Elements with more attributes than this are rejected (bounds the duplicate check, which is
// quadratic; <plugin> has 7 attributes of its own).
inline constexpr size_t kMaxAttributesPerElement = 64;

Document parseDocument(std::string_view text);

}  // namespace aap::xml
