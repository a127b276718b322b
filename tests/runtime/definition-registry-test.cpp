#include "aap/runtime/definition-registry.h"

#include <gtest/gtest.h>

#include <string>

namespace {

AAPXSDefinition makeDefinition(const char* uri, int32_t capacity = 64) {
    AAPXSDefinition definition{};
    definition.uri = uri;
    definition.data_capacity = capacity;
    return definition;
}

TEST(DefinitionRegistry, AddsAndFindsByUri) {
    aap::AAPXSDefinitionRegistry registry;
    int context = 0;
    AAPXSDefinition definition = makeDefinition("urn://example.org/ext/one/v1", 128);
    definition.aapxs_context = &context;
    ASSERT_EQ(registry.add(definition), aap::RegistryError::None);
    ASSERT_EQ(registry.add(makeDefinition("urn://example.org/ext/two/v1")), aap::RegistryError::None);
    EXPECT_EQ(registry.size(), 2u);
    AAPXSDefinition* found = registry.findByUri("urn://example.org/ext/one/v1");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->aapxs_context, &context);
    EXPECT_EQ(found->data_capacity, 128);
    EXPECT_STREQ(found->uri, "urn://example.org/ext/one/v1");
    EXPECT_EQ(registry.findByUri("urn://example.org/ext/three/v1"), nullptr);
    EXPECT_EQ(registry.findByUri(""), nullptr);
}

TEST(DefinitionRegistry, CopiesTheUriSoTheCallerMayReuseItsBuffer) {
    aap::AAPXSDefinitionRegistry registry;
    std::string uri = "urn://example.org/ext/temporary/v1";
    ASSERT_EQ(registry.add(makeDefinition(uri.c_str())), aap::RegistryError::None);
    uri.assign("overwritten");
    ASSERT_NE(registry.findByUri("urn://example.org/ext/temporary/v1"), nullptr);
}

TEST(DefinitionRegistry, RejectsDuplicateUri) {
    aap::AAPXSDefinitionRegistry registry;
    ASSERT_EQ(registry.add(makeDefinition("urn://example.org/ext/one/v1")), aap::RegistryError::None);
    EXPECT_EQ(registry.add(makeDefinition("urn://example.org/ext/one/v1", 32)), aap::RegistryError::DuplicateUri);
    EXPECT_EQ(registry.size(), 1u);
    EXPECT_EQ(registry.findByUri("urn://example.org/ext/one/v1")->data_capacity, 64);
}

TEST(DefinitionRegistry, RejectsNullUri) {
    aap::AAPXSDefinitionRegistry registry;
    EXPECT_EQ(registry.add(makeDefinition(nullptr)), aap::RegistryError::NullUri);
    EXPECT_EQ(registry.size(), 0u);
}

TEST(DefinitionRegistry, RejectsEmptyUri) {
    aap::AAPXSDefinitionRegistry registry;
    EXPECT_EQ(registry.add(makeDefinition("")), aap::RegistryError::EmptyUri);
}

TEST(DefinitionRegistry, RejectsTooLongUri) {
    aap::AAPXSDefinitionRegistry registry;
    const std::string uri(AAP_MAX_EXTENSION_URI_SIZE + 1, 'u');
    EXPECT_EQ(registry.add(makeDefinition(uri.c_str())), aap::RegistryError::UriTooLong);
    const std::string longest(AAP_MAX_EXTENSION_URI_SIZE, 'u');
    EXPECT_EQ(registry.add(makeDefinition(longest.c_str())), aap::RegistryError::None);
}

TEST(DefinitionRegistry, RejectsBadDataCapacity) {
    aap::AAPXSDefinitionRegistry registry;
    EXPECT_EQ(registry.add(makeDefinition("urn://a/v1", 0)), aap::RegistryError::BadDataCapacity);
    EXPECT_EQ(registry.add(makeDefinition("urn://a/v1", -4)), aap::RegistryError::BadDataCapacity);
    EXPECT_EQ(registry.add(makeDefinition("urn://a/v1", aap::AAPXSDefinitionRegistry::kMaxDataCapacity + 1)),
              aap::RegistryError::BadDataCapacity);
    EXPECT_EQ(registry.size(), 0u);
}

TEST(DefinitionRegistry, EveryErrorHasAMessage) {
    for (auto e : {aap::RegistryError::NullUri, aap::RegistryError::EmptyUri, aap::RegistryError::UriTooLong,
                   aap::RegistryError::BadDataCapacity, aap::RegistryError::DuplicateUri,
                   aap::RegistryError::OutOfMemory})
        EXPECT_STRNE(aap::toString(e), "ok");
}

TEST(UridTable, AssignsAndFinds) {
    aap::AAPXSDefinitionRegistry registry;
    ASSERT_EQ(registry.add(makeDefinition("urn://a/v1")), aap::RegistryError::None);
    ASSERT_EQ(registry.add(makeDefinition("urn://b/v1")), aap::RegistryError::None);
    AAPXSDefinition* a = registry.findByUri("urn://a/v1");
    AAPXSDefinition* b = registry.findByUri("urn://b/v1");
    aap::UridTable urids;
    EXPECT_EQ(urids.assign(7, a), aap::UridError::None);
    std::uint8_t assigned = 0;
    EXPECT_EQ(urids.assignNext(b, &assigned), aap::UridError::None);
    EXPECT_EQ(assigned, 1);
    EXPECT_EQ(urids.find(7), a);
    EXPECT_EQ(urids.find(1), b);
    EXPECT_EQ(urids.find(0), nullptr);
    EXPECT_EQ(urids.find(255), nullptr);
    EXPECT_EQ(urids.uridOf(a), 7);
    EXPECT_EQ(urids.uridOf(nullptr), 0);
}

TEST(UridTable, RejectsZeroNullAndConflicts) {
    AAPXSDefinition a = makeDefinition("urn://a/v1");
    AAPXSDefinition b = makeDefinition("urn://b/v1");
    aap::UridTable urids;
    EXPECT_EQ(urids.assign(0, &a), aap::UridError::InvalidUrid);
    EXPECT_EQ(urids.assign(3, nullptr), aap::UridError::NullDefinition);
    ASSERT_EQ(urids.assign(3, &a), aap::UridError::None);
    EXPECT_EQ(urids.assign(3, &a), aap::UridError::None); // idempotent
    EXPECT_EQ(urids.assign(3, &b), aap::UridError::UridInUse);
    EXPECT_EQ(urids.assign(4, &a), aap::UridError::DefinitionMapped);
    EXPECT_EQ(urids.assignNext(nullptr, nullptr), aap::UridError::NullDefinition);
}

TEST(UridTable, ReportsFullAfter255) {
    static AAPXSDefinition definitions[256];
    aap::UridTable urids;
    for (int i = 0; i < 255; ++i) {
        std::uint8_t urid = 0;
        ASSERT_EQ(urids.assignNext(&definitions[i], &urid), aap::UridError::None);
        EXPECT_EQ(urid, i + 1);
    }
    EXPECT_EQ(urids.assignNext(&definitions[255], nullptr), aap::UridError::TableFull);
}

TEST(UridTable, TablesOfTwoInstancesAreIndependent) {
    AAPXSDefinition a = makeDefinition("urn://a/v1");
    aap::UridTable first, second;
    ASSERT_EQ(first.assign(9, &a), aap::UridError::None);
    EXPECT_EQ(second.find(9), nullptr);
    EXPECT_EQ(second.assign(10, &a), aap::UridError::None);
    EXPECT_EQ(first.uridOf(&a), 9);
    EXPECT_EQ(second.uridOf(&a), 10);
}

} // namespace
