#include "http/json_error.hpp"

namespace icg::http {

Response json_error(unsigned status, std::string_view code, std::string log_note) {
    auto r = json_response(status, "{\"error\":\"" + std::string(code) + "\"}");
    r.log_note = std::move(log_note);
    return r;
}

}  // namespace icg::http
