// Malformed XML: each kind of syntax error gives one Error naming the file, line and column,
// and no plugins (the file cannot be trusted at all).

#include <string>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

class XmlSyntaxTest : public MetadataTest {
protected:
    ::testing::AssertionResult rejects(std::string_view text, int line, int column,
                                       std::string_view fragment) const {
        MetadataParseResult result = parse(text);
        if (!result.plugins.empty())
            return ::testing::AssertionFailure() << "malformed XML still produced plugins";
        for (const auto& d : result.diagnostics)
            if (d.file != metadataPath())
                return ::testing::AssertionFailure() << "diagnostic names " << d.file;
        return hasSingleError(result.diagnostics, line, column, fragment);
    }
};

TEST_F(XmlSyntaxTest, UnclosedElementAtEndOfFileNamesTheOpenTag) {
    EXPECT_TRUE(rejects("<plugins>\n  <plugin name=\"a\" unique-id=\"b\" library=\"libplugin.so\">\n",
                        2, 3, "unclosed tag <plugin>"));
}

TEST_F(XmlSyntaxTest, EndOfFileInsideStartTag) {
    EXPECT_TRUE(rejects("<plugins>\n <plugin name=\"a\"", 2, 2, "unclosed tag <plugin"));
}

TEST_F(XmlSyntaxTest, MismatchedEndTagNamesBothTags) {
    EXPECT_TRUE(rejects("<plugins>\n<plugin>\n</ports>\n</plugins>", 3, 1,
                        "mismatched tag: </ports> closes <plugin> opened at line 2"));
}

TEST_F(XmlSyntaxTest, AttributeWithoutValue) {
    EXPECT_TRUE(rejects("<plugins>\n  <plugin name>\n", 2, 15, "expected '=' after attribute "
                                                               "name 'name'"));
}

TEST_F(XmlSyntaxTest, UnquotedAttributeValue) {
    EXPECT_TRUE(rejects("<plugins><plugin name=abc/></plugins>", 1, 23, "must be quoted"));
}

TEST_F(XmlSyntaxTest, AttributesNotSeparatedByWhitespace) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"a\"category=\"b\"/></plugins>", 1, 26,
                        "separated by whitespace"));
}

TEST_F(XmlSyntaxTest, GarbageInsideTag) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"a\" %/></plugins>", 1, 27,
                        "bad attribute syntax in <plugin>: unexpected '%'"));
}

TEST_F(XmlSyntaxTest, DuplicateAttributePointsAtTheSecond) {
    EXPECT_TRUE(rejects("<plugins>\n<plugin name=\"a\"\n  name=\"b\"/></plugins>", 3, 3,
                        "duplicate attribute 'name' in <plugin> (first at line 2)"));
}

TEST_F(XmlSyntaxTest, UnterminatedCommentPointsAtItsStart) {
    EXPECT_TRUE(rejects("<plugins>\n  <!-- never closed\n</plugins>\n", 2, 3,
                        "unterminated comment"));
}

TEST_F(XmlSyntaxTest, DoubleHyphenInsideComment) {
    EXPECT_TRUE(rejects("<plugins><!-- a -- b --></plugins>", 1, 17,
                        "'--' is not allowed inside a comment"));
}

TEST_F(XmlSyntaxTest, UnterminatedStringPointsAtTheQuote) {
    EXPECT_TRUE(rejects("<plugins>\n<plugin name='abc/>\n", 2, 14,
                        "unterminated string: the value of attribute 'name'"));
}

TEST_F(XmlSyntaxTest, LessThanInAttributeValue) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"a<b\"/></plugins>", 1, 25, "'<' is not allowed"));
}

TEST_F(XmlSyntaxTest, UnknownEntity) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"&nbsp;\"/></plugins>", 1, 24,
                        "unknown entity '&nbsp;'"));
}

TEST_F(XmlSyntaxTest, AmpersandWithoutSemicolon) {
    EXPECT_TRUE(rejects("<plugins>\n<plugin name=\"Bass & Drums\"/></plugins>", 2, 20,
                        "bad entity reference"));
}

TEST_F(XmlSyntaxTest, BadEntityInText) {
    EXPECT_TRUE(rejects("<plugins>&bogus;</plugins>", 1, 10, "unknown entity '&bogus;'"));
}

TEST_F(XmlSyntaxTest, CharacterReferenceToNul) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"&#0;\"/></plugins>", 1, 24,
                        "bad character reference '&#0;'"));
}

TEST_F(XmlSyntaxTest, CharacterReferenceToSurrogate) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"&#xD800;\"/></plugins>", 1, 24,
                        "bad character reference '&#xD800;'"));
}

TEST_F(XmlSyntaxTest, CharacterReferenceBeyondUnicode) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"&#1114112;\"/></plugins>", 1, 24,
                        "bad character reference"));
}

TEST_F(XmlSyntaxTest, CharacterReferenceWithNonDigits) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"&#12a;\"/></plugins>", 1, 24,
                        "bad character reference"));
}

TEST_F(XmlSyntaxTest, CdataIsRejectedClearly) {
    EXPECT_TRUE(rejects("<plugins>\n  <![CDATA[x]]>\n</plugins>", 2, 3,
                        "CDATA sections are not supported"));
}

TEST_F(XmlSyntaxTest, DoctypeIsRejected) {
    EXPECT_TRUE(rejects("<?xml version=\"1.0\"?>\n<!DOCTYPE plugins>\n<plugins/>", 2, 1,
                        "DOCTYPE declarations are not supported"));
}

TEST_F(XmlSyntaxTest, InvalidUtf8) {
    EXPECT_TRUE(rejects("<plugins>\n<plugin name=\"caf\xE9\"/></plugins>", 2, 18,
                        "invalid UTF-8"));
}

TEST_F(XmlSyntaxTest, OverlongUtf8) {
    EXPECT_TRUE(rejects("<plugins name=\"\xC0\xAF\"/>", 1, 16, "invalid UTF-8"));
}

TEST_F(XmlSyntaxTest, ControlCharacter) {
    EXPECT_TRUE(rejects(std::string("<plugins>\x01</plugins>"), 1, 10,
                        "character U+0001 is not allowed"));
}

TEST_F(XmlSyntaxTest, EmptyFile) {
    EXPECT_TRUE(rejects("", 1, 1, "no root element"));
}

TEST_F(XmlSyntaxTest, TextBeforeRoot) {
    EXPECT_TRUE(rejects("hello <plugins/>", 1, 1, "expected the root element, found 'h'"));
}

TEST_F(XmlSyntaxTest, TwoRootElements) {
    EXPECT_TRUE(rejects("<plugins/>\n<plugins/>", 2, 1, "only one root element"));
}

TEST_F(XmlSyntaxTest, TextAfterRoot) {
    EXPECT_TRUE(rejects("<plugins/>\ntrailing", 2, 1, "unexpected text after the root"));
}

TEST_F(XmlSyntaxTest, XmlDeclarationNotAtStart) {
    EXPECT_TRUE(rejects("\n<?xml version=\"1.0\"?><plugins/>", 2, 1,
                        "only allowed at the very start"));
}

TEST_F(XmlSyntaxTest, EncodingOtherThanUtf8) {
    EXPECT_TRUE(rejects("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><plugins/>", 1, 21,
                        "only UTF-8 is supported"));
}

TEST_F(XmlSyntaxTest, XmlDeclarationWithoutVersion) {
    EXPECT_TRUE(rejects("<?xml encoding=\"UTF-8\"?><plugins/>", 1, 1, "missing version"));
}

TEST_F(XmlSyntaxTest, UnterminatedProcessingInstruction) {
    EXPECT_TRUE(rejects("<plugins><?target data</plugins>", 1, 10,
                        "unterminated processing instruction"));
}

TEST_F(XmlSyntaxTest, EndTagWithoutName) {
    EXPECT_TRUE(rejects("<plugins></ ></plugins>", 1, 10, "bad end tag"));
}

TEST_F(XmlSyntaxTest, LessThanWithoutName) {
    EXPECT_TRUE(rejects("<plugins>< plugin/></plugins>", 1, 10, "expected an element name"));
}

TEST_F(XmlSyntaxTest, QuestionMarkClosingStartTag) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"a\"?></plugins>", 1, 26, "unexpected '?'"));
}

TEST_F(XmlSyntaxTest, NestingDeeperThanTheLimit) {
    std::string text;
    for (int i = 0; i < 40; i++)
        text += "<a>";
    EXPECT_TRUE(rejects(text, 1, 1 + 3 * 32, "nested more than 32 levels"));
}

TEST_F(XmlSyntaxTest, TooManyAttributes) {
    std::string text = "<plugins";
    for (int i = 0; i < 65; i++)
        text += " a" + std::to_string(i) + "=\"\"";
    text += "/>";
    // The 65th attribute " a64=\"\"" starts after "<plugins" (8) and 64 attributes.
    int column = 1 + 8;
    for (int i = 0; i < 64; i++)
        column += static_cast<int>((" a" + std::to_string(i) + "=\"\"").size());
    EXPECT_TRUE(rejects(text, 1, column + 1, "too many attributes in <plugins> (more than 64)"));
}

TEST_F(XmlSyntaxTest, CrLfCountsAsOneLineBreak) {
    EXPECT_TRUE(rejects("<plugins>\r\n\r\n  <plugin name=\"a\" name=\"b\"/></plugins>", 3, 20,
                        "duplicate attribute"));
}

TEST_F(XmlSyntaxTest, ColumnsCountCharactersNotBytes) {
    // "é" is two bytes but one column.
    EXPECT_TRUE(rejects("<plugins><plugin name=\"\xC3\xA9\" name=\"b\"/></plugins>", 1, 27,
                        "duplicate attribute"));
}

}  // namespace
}  // namespace aap::testing
