// Where the process transport looks for aap-plugin-service when the host names none
// (docs/install.md): a miss is NotFound with every place it looked, so a user can tell what to
// install where. (Finding the installed service is proved by package.pkg_config.host and
// package.install_docs against real installations.)

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "aap/hosting/plugin-host.h"
#include "aap/hosting/process-transport.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

TEST(ServiceLocation, AMissListsEveryPlaceLookedAt) {
    struct stat st {};
    if (::stat(AAP_TEST_INSTALLED_SERVICE, &st) == 0)
        GTEST_SKIP() << "an installed " AAP_TEST_INSTALLED_SERVICE " exists on this machine, so nothing is missing";
    ::setenv("AAP_PLUGIN_SERVICE", "/nonexistent/override/aap-plugin-service", 1);
    EXPECT_EQ(ProcessTransport::findServiceExecutable(), "");
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.process.servicePath.clear();
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    EXPECT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance, &error), HostingStatus::NotFound);
    ::unsetenv("AAP_PLUGIN_SERVICE");
    EXPECT_NE(error.find("aap-plugin-service not found (looked at /nonexistent/override/aap-plugin-service, "),
              std::string::npos)
        << error;
    EXPECT_NE(error.find(AAP_TEST_INSTALLED_SERVICE), std::string::npos) << error;
    EXPECT_NE(error.find("/../libexec/aap/aap-plugin-service"), std::string::npos) << error;
    EXPECT_NE(error.find("set ProcessTransportOptions::servicePath or AAP_PLUGIN_SERVICE"), std::string::npos) << error;
}

TEST(ServiceLocation, TheOverrideWinsOverEverythingElse) {
    ::setenv("AAP_PLUGIN_SERVICE", AAP_TEST_SERVICE_PATH, 1);
    EXPECT_EQ(ProcessTransport::findServiceExecutable(), AAP_TEST_SERVICE_PATH);
    ::unsetenv("AAP_PLUGIN_SERVICE");
}

} // namespace
} // namespace aap
