#include "linear_fit.hpp"

#include <algorithm>

namespace icg::soak {

std::optional<LinearFit> least_squares(std::span<const double> x, std::span<const double> y) {
    const std::size_t n = std::min(x.size(), y.size());
    if (n < 2) return std::nullopt;
    double mean_x = 0, mean_y = 0;
    for (std::size_t i = 0; i < n; ++i) {
        mean_x += x[i];
        mean_y += y[i];
    }
    mean_x /= double(n);
    mean_y /= double(n);
    // Centred sums: the raw-sum formula loses precision when x is large and its spread small.
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sxx += (x[i] - mean_x) * (x[i] - mean_x);
        sxy += (x[i] - mean_x) * (y[i] - mean_y);
    }
    if (sxx <= 0) return std::nullopt;
    LinearFit fit;
    fit.slope = sxy / sxx;
    fit.intercept = mean_y - fit.slope * mean_x;
    fit.points = n;
    return fit;
}

}  // namespace icg::soak
