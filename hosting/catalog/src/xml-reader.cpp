#include "xml-reader.h"

#include "utf8.h"

#include <cstdint>
#include <utility>

namespace aap::xml {

const Attribute* Element::findAttribute(std::string_view attributeName) const {
    for (const auto& attribute : attributes)
        if (attribute.name == attributeName)
            return &attribute;
    return nullptr;
}

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Non-ASCII bytes are accepted in names; the UTF-8 pre-pass has already validated them.
bool isNameStart(char c) {
    return isAsciiLetter(c) || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

bool isNameChar(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// XML 1.0 "Char" production.
bool isXmlChar(uint32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
        || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    Document read() {
        Document document;
        if (!validateCharacters() || !readProlog() || !readRootElement(document.root)
            || !readTrailingMisc()) {
            document.error = std::move(error_);
            return document;
        }
        document.ok = true;
        return document;
    }

private:
    std::string_view text_;
    size_t pos_ = 0;
    Position position_;
    Error error_;

    bool atEnd() const { return pos_ >= text_.size(); }
    char peek(size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    bool lookingAt(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

    void advance() {
        char c = text_[pos_++];
        if (c == '\n' || (c == '\r' && peek() != '\n')) {
            position_.line++;
            position_.column = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            position_.column++;  // continuation bytes do not start a new character
        }
    }
    void advance(size_t count) {
        for (size_t i = 0; i < count && !atEnd(); i++)
            advance();
    }
    bool skipSpaces() {
        bool skipped = false;
        while (!atEnd() && isSpace(peek())) {
            advance();
            skipped = true;
        }
        return skipped;
    }

    bool fail(Position at, std::string message) {
        error_.position = at;
        error_.message = std::move(message);
        return false;
    }

    // Describes the character at the cursor for messages.
    std::string describeCurrent() const {
        if (atEnd())
            return "end of file";
        char c = peek();
        if (static_cast<unsigned char>(c) < 0x20)
            return "a control character";
        if (static_cast<unsigned char>(c) >= 0x80)
            return "a non-ASCII character";
        return std::string("'") + c + "'";
    }

    // Pre-pass: the whole input must be UTF-8 made of XML characters, so later stages can treat
    // any non-ASCII byte as part of a valid character.
    bool validateCharacters() {
        Position at;
        for (size_t i = 0; i < text_.size();) {
            unsigned char c = static_cast<unsigned char>(text_[i]);
            uint32_t cp = c;
            size_t length = 1;
            if (c >= 0x80) {
                length = decodeUtf8(text_, i, &cp);
                if (length == 0)
                    return fail(at, "invalid UTF-8 byte sequence");
            }
            if (!isXmlChar(cp))
                return fail(at, "character U+" + hex(cp) + " is not allowed in XML");
            if (c == '\n' || (c == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n'))) {
                at.line++;
                at.column = 1;
            } else {
                at.column++;
            }
            i += length;
        }
        return true;
    }

    static std::string hex(uint32_t value) {
        static const char digits[] = "0123456789ABCDEF";
        std::string s;
        for (int shift = 28; shift >= 0; shift -= 4) {
            unsigned digit = (value >> shift) & 0xFu;
            if (digit != 0 || !s.empty() || shift < 16)
                s += digits[digit];
        }
        return s;
    }

    bool readName(std::string& name) {
        if (atEnd() || !isNameStart(peek()))
            return false;
        size_t start = pos_;
        while (!atEnd() && isNameChar(peek()))
            advance();
        name.assign(text_.substr(start, pos_ - start));
        return true;
    }

    // At '&': decodes one entity or character reference into `out`.
    bool readReference(std::string& out) {
        Position at = position_;
        advance();  // '&'
        size_t start = pos_;
        while (!atEnd() && peek() != ';' && pos_ - start < 16
               && (isNameChar(peek()) || peek() == '#'))
            advance();
        if (peek() != ';')
            return fail(at, "bad entity reference: '&' must start an entity such as &amp; "
                            "and end with ';'");
        std::string_view name = text_.substr(start, pos_ - start);
        advance();  // ';'
        if (name == "lt") { out += '<'; return true; }
        if (name == "gt") { out += '>'; return true; }
        if (name == "amp") { out += '&'; return true; }
        if (name == "quot") { out += '"'; return true; }
        if (name == "apos") { out += '\''; return true; }
        if (name.size() >= 2 && name[0] == '#') {
            bool isHex = name[1] == 'x';
            std::string_view digits = name.substr(isHex ? 2 : 1);
            uint32_t cp = 0;
            bool valid = !digits.empty();
            for (char d : digits) {
                uint32_t v;
                if (d >= '0' && d <= '9') v = static_cast<uint32_t>(d - '0');
                else if (isHex && d >= 'a' && d <= 'f') v = static_cast<uint32_t>(d - 'a' + 10);
                else if (isHex && d >= 'A' && d <= 'F') v = static_cast<uint32_t>(d - 'A' + 10);
                else { valid = false; break; }
                cp = cp * (isHex ? 16 : 10) + v;
                if (cp > 0x10FFFF) { valid = false; break; }
            }
            if (!valid || !isXmlChar(cp))
                return fail(at, "bad character reference '&" + std::string(name)
                                    + ";': not a valid XML character");
            appendUtf8(out, cp);
            return true;
        }
        return fail(at, "unknown entity '&" + std::string(name)
                            + ";' (only &lt; &gt; &amp; &quot; &apos; and &#...; are defined)");
    }

    // At "<!--": skips the comment.
    bool skipComment() {
        Position at = position_;
        advance(4);
        while (!atEnd()) {
            if (lookingAt("--")) {
                if (peek(2) != '>')
                    return fail(position_, "'--' is not allowed inside a comment");
                advance(3);
                return true;
            }
            advance();
        }
        return fail(at, "unterminated comment (no '-->' before end of file)");
    }

    // At "<?": skips a processing instruction (the XML declaration is handled by readProlog).
    bool skipProcessingInstruction() {
        Position at = position_;
        advance(2);
        std::string target;
        if (!readName(target))
            return fail(at, "bad processing instruction: expected a name after '<?'");
        if (target.size() == 3 && (target[0] | 0x20) == 'x' && (target[1] | 0x20) == 'm'
            && (target[2] | 0x20) == 'l')
            return fail(at, "the XML declaration '<?xml ...?>' is only allowed at the very "
                            "start of the file");
        while (!atEnd()) {
            if (lookingAt("?>")) {
                advance(2);
                return true;
            }
            advance();
        }
        return fail(at, "unterminated processing instruction (no '?>' before end of file)");
    }

    // Handles what may appear outside the root element besides whitespace. Returns false on
    // error; sets *consumed when something was skipped.
    bool skipMiscMarkup(bool* consumed) {
        *consumed = false;
        if (lookingAt("<!--")) {
            *consumed = true;
            return skipComment();
        }
        if (lookingAt("<?")) {
            *consumed = true;
            return skipProcessingInstruction();
        }
        if (lookingAt("<!DOCTYPE"))
            return fail(position_, "DOCTYPE declarations are not supported");
        if (lookingAt("<!"))
            return fail(position_, "unexpected '<!' markup");
        return true;
    }

    bool readProlog() {
        if (lookingAt("\xEF\xBB\xBF"))
            advance(3);
        if (lookingAt("<?xml") && (isSpace(peek(5)) || peek(5) == '?')) {
            Position at = position_;
            advance(5);
            std::vector<Attribute> pseudoAttributes;
            if (!readAttributes("?xml", pseudoAttributes, at))
                return false;
            if (!lookingAt("?>"))
                return fail(position_, "bad XML declaration: expected '?>'");
            advance(2);
            bool hasVersion = false;
            for (const auto& attribute : pseudoAttributes) {
                if (attribute.name == "version") {
                    hasVersion = true;
                    if (attribute.value != "1.0" && attribute.value != "1.1")
                        return fail(attribute.position, "unsupported XML version '"
                                                            + attribute.value + "'");
                } else if (attribute.name == "encoding") {
                    std::string upper;
                    for (char c : attribute.value)
                        upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
                    if (upper != "UTF-8" && upper != "UTF8")
                        return fail(attribute.position, "unsupported encoding '"
                                                            + attribute.value
                                                            + "': only UTF-8 is supported");
                } else if (attribute.name != "standalone") {
                    return fail(attribute.position, "bad XML declaration: unexpected '"
                                                        + attribute.name + "'");
                }
            }
            if (!hasVersion)
                return fail(at, "bad XML declaration: missing version");
        }
        for (;;) {
            skipSpaces();
            bool consumed;
            if (!skipMiscMarkup(&consumed))
                return false;
            if (!consumed)
                break;
        }
        if (atEnd())
            return fail(position_, "no root element (the file is empty)");
        if (peek() != '<' || !isNameStart(peek(1)))
            return fail(position_, "expected the root element, found " + describeCurrent());
        return true;
    }

    // After the element name (or "<?xml"): reads attributes up to, not including, '>' "/>" or
    // "?>". `owner` names the tag in messages.
    bool readAttributes(const std::string& owner, std::vector<Attribute>& attributes,
                        Position tagPosition) {
        for (;;) {
            bool hadSpace = skipSpaces();
            if (atEnd())
                return fail(tagPosition, "unclosed tag <" + owner
                                             + ": end of file inside the tag");
            char c = peek();
            if (c == '>' || (c == '/' && peek(1) == '>') || (c == '?' && peek(1) == '>'))
                return true;
            if (!isNameStart(c))
                return fail(position_, "bad attribute syntax in <" + owner + ">: unexpected "
                                           + describeCurrent());
            if (!hadSpace)
                return fail(position_, "bad attribute syntax in <" + owner
                                           + ">: attributes must be separated by whitespace");
            if (attributes.size() >= kMaxAttributesPerElement)
                return fail(position_, "too many attributes in <" + owner + "> (more than "
                                           + std::to_string(kMaxAttributesPerElement) + ")");
            Attribute attribute;
            attribute.position = position_;
            readName(attribute.name);
            skipSpaces();
            if (peek() != '=')
                return fail(position_, "bad attribute syntax in <" + owner + ">: expected '=' "
                                           "after attribute name '" + attribute.name
                                           + "', found " + describeCurrent());
            advance();
            skipSpaces();
            char quote = peek();
            if (quote != '"' && quote != '\'')
                return fail(position_, "bad attribute syntax in <" + owner + ">: the value of '"
                                           + attribute.name + "' must be quoted with \" or '");
            Position quotePosition = position_;
            advance();
            for (;;) {
                if (atEnd())
                    return fail(quotePosition, "unterminated string: the value of attribute '"
                                                   + attribute.name + "' in <" + owner
                                                   + "> has no closing " + quote);
                char v = peek();
                if (v == quote) {
                    advance();
                    break;
                }
                if (v == '<')
                    return fail(position_, "'<' is not allowed in the value of attribute '"
                                               + attribute.name + "' (write &lt;)");
                if (v == '&') {
                    if (!readReference(attribute.value))
                        return false;
                    continue;
                }
                if (v == '\r' && peek(1) == '\n') {
                    advance();  // CR LF is one line break, normalized to one space
                    continue;
                }
                attribute.value += isSpace(v) ? ' ' : v;
                advance();
            }
            for (const auto& existing : attributes)
                if (existing.name == attribute.name)
                    return fail(attribute.position,
                                "duplicate attribute '" + attribute.name + "' in <" + owner
                                    + "> (first at line " + std::to_string(existing.position.line)
                                    + ")");
            attributes.push_back(std::move(attribute));
        }
    }

    // At '<' + name start: reads the start tag. Sets *isEmpty for "/>".
    bool readStartTag(Element& element, bool* isEmpty) {
        element.position = position_;
        advance();  // '<'
        readName(element.name);
        if (!readAttributes(element.name, element.attributes, element.position))
            return false;
        if (peek() == '?')
            return fail(position_, "bad attribute syntax in <" + element.name
                                       + ">: unexpected '?'");
        *isEmpty = peek() == '/';
        advance(*isEmpty ? 2 : 1);
        return true;
    }

    void appendText(Element& element, std::string_view text, Position at) {
        if (!element.hasNonSpaceText) {
            for (char c : text) {
                if (!isSpace(c)) {
                    element.hasNonSpaceText = true;
                    element.textPosition = at;
                    break;
                }
                if (c == '\n') { at.line++; at.column = 1; } else { at.column++; }
            }
        }
        element.text += text;
    }

    // Reads the root element and everything inside it, iteratively (bounded depth).
    bool readRootElement(Element& root) {
        std::vector<Element> open;
        bool isEmpty;
        open.emplace_back();
        if (!readStartTag(open.back(), &isEmpty))
            return false;
        while (!isEmpty) {
            if (atEnd()) {
                const Element& innermost = open.back();
                return fail(innermost.position, "unclosed tag <" + innermost.name
                                                    + ">: end of file before </"
                                                    + innermost.name + ">");
            }
            char c = peek();
            if (c == '<') {
                if (peek(1) == '/') {
                    Position at = position_;
                    advance(2);
                    std::string name;
                    if (!readName(name))
                        return fail(at, "bad end tag: expected an element name after '</'");
                    skipSpaces();
                    if (peek() != '>')
                        return fail(position_, "bad end tag </" + name + ": expected '>', found "
                                                   + describeCurrent());
                    advance();
                    Element& innermost = open.back();
                    if (name != innermost.name)
                        return fail(at, "mismatched tag: </" + name + "> closes <"
                                            + innermost.name + "> opened at line "
                                            + std::to_string(innermost.position.line)
                                            + ", column "
                                            + std::to_string(innermost.position.column));
                    if (open.size() == 1)
                        break;
                    Element closed = std::move(open.back());
                    open.pop_back();
                    open.back().children.push_back(std::move(closed));
                    continue;
                }
                if (lookingAt("<![CDATA["))
                    return fail(position_, "CDATA sections are not supported in plugin "
                                           "metadata (use &lt; &amp; etc. instead)");
                if (lookingAt("<!--")) {
                    if (!skipComment())
                        return false;
                    continue;
                }
                if (lookingAt("<?")) {
                    if (!skipProcessingInstruction())
                        return false;
                    continue;
                }
                if (peek(1) == '!')
                    return fail(position_, "unexpected '<!' markup inside an element");
                if (!isNameStart(peek(1)))
                    return fail(position_, "bad tag: expected an element name after '<'");
                if (static_cast<int>(open.size()) >= kMaxElementDepth)
                    return fail(position_, "elements are nested more than "
                                               + std::to_string(kMaxElementDepth)
                                               + " levels deep");
                Element child;
                bool childIsEmpty;
                if (!readStartTag(child, &childIsEmpty))
                    return false;
                if (childIsEmpty)
                    open.back().children.push_back(std::move(child));
                else
                    open.push_back(std::move(child));
                continue;
            }
            if (c == '&') {
                Position at = position_;
                std::string decoded;
                if (!readReference(decoded))
                    return false;
                appendText(open.back(), decoded, at);
                continue;
            }
            Position at = position_;
            size_t start = pos_;
            while (!atEnd() && peek() != '<' && peek() != '&')
                advance();
            appendText(open.back(), text_.substr(start, pos_ - start), at);
        }
        root = std::move(open.front());
        return true;
    }

    bool readTrailingMisc() {
        for (;;) {
            skipSpaces();
            if (atEnd())
                return true;
            bool consumed;
            if (!skipMiscMarkup(&consumed))
                return false;
            if (consumed)
                continue;
            if (peek() == '<')
                return fail(position_, "only one root element is allowed");
            return fail(position_, "unexpected text after the root element");
        }
    }
};

}  // namespace

Document parseDocument(std::string_view text) { return Reader(text).read(); }

}  // namespace aap::xml
