// Runs the C99 usage example (c_usage.c), which proves the codec compiles and works as C.
#include <gtest/gtest.h>

extern "C" int aapxs_test_c_usage(void);

TEST(CUsage, GenerateAppendExtractAndParseFromC) {
    EXPECT_EQ(0, aapxs_test_c_usage());
}
