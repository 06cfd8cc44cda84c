#include "core/process_hardening.hpp"

#include <sys/prctl.h>

namespace icg::core {

bool make_process_undumpable() noexcept {
    return ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 && ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

}  // namespace icg::core
