#pragma once
// The table of every configuration key: its section, name, kind and default, and the environment
// variable names derived from it. The loader, --check-config and the unknown-variable check all
// read this one table, so a key added here is known everywhere at once.
#include <span>
#include <string>
#include <string_view>

namespace icg::config {

// `tables` is an array of tables ([[section.name]]): read from the document tree, never from the
// environment, whose flat variables cannot spell it.
// `secret_list` is a list of secrets (e.g. the session key ring): read as a list, shown as a secret.
enum class KeyKind { text, secret, secret_list, integer, duration, boolean, list, tables };

struct KeySpec {
    std::string_view section;
    std::string_view name;
    KeyKind kind;
    // What --check-config shows for a key nobody set, in the unit it is documented in.
    std::string_view default_text;
};

std::span<const KeySpec> known_keys();
std::span<const std::string_view> known_sections();

// nullptr for a key the gateway does not know.
const KeySpec* find_key(std::string_view section, std::string_view name);

std::string full_name(const KeySpec& key);  // "section.name"
std::string env_name(const KeySpec& key);   // "GATEWAY_SECTION_NAME"

// Whether `variable` (a GATEWAY_* name) is one the loader reads: a key's variable, or the _FILE
// form of a secret's. Kubernetes' service links (GATEWAY_SERVICE_HOST, GATEWAY_PORT_443_TCP, …,
// made for a Service named "gateway") are not ours and not errors either.
bool is_known_variable(std::string_view variable);

// The known variable closest to a misspelled one, or empty when none is near.
std::string closest_variable(std::string_view variable);

}  // namespace icg::config
