#pragma once
// What the process does to itself before it reads any secret: no core dumps, and no ptrace or
// /proc/<pid>/mem by other processes of the same user, since its memory holds tokens and keys.
namespace icg::core {

// Returns false when the kernel refused (the caller logs it and goes on: it is defence in depth).
bool make_process_undumpable() noexcept;

}  // namespace icg::core
