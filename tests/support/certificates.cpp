#include "support/certificates.hpp"

#include "support/paths.hpp"
#include "support/process.hpp"

#include <stdexcept>

namespace icg::testing {

const Certificates& test_certificates() {
    static const Certificates certificates = [] {
        // The script is idempotent and locks its directory, so parallel test processes share one set.
        const std::filesystem::path dir = ICG_TEST_CERT_DIR;
        const auto script = source_dir() / "deploy" / "make-dev-certs";
        auto result = run_to_completion(script.string(), {dir.string()});
        if (!result.status.success())
            throw std::runtime_error(script.string() + " failed (" + result.status.describe() + "):\n" + result.output);
        Certificates c{dir / "ca.pem", dir / "localhost.pem", dir / "localhost.key"};
        for (const auto& f : {c.ca_file, c.cert_file, c.key_file})
            if (!std::filesystem::exists(f)) throw std::runtime_error("certificate file missing: " + f.string());
        return c;
    }();
    return certificates;
}

}  // namespace icg::testing
