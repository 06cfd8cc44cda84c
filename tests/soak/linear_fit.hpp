#pragma once
// Ordinary least squares of y on x: the trend of a series of samples, so one spike or a fault
// window's bump weighs little against a steady climb.
#include <cstddef>
#include <optional>
#include <span>

namespace icg::soak {

struct LinearFit {
    double slope = 0;      // y units per x unit
    double intercept = 0;  // y at x = 0
    std::size_t points = 0;
};

// nullopt with fewer than two points or when every x is the same.
std::optional<LinearFit> least_squares(std::span<const double> x, std::span<const double> y);

}  // namespace icg::soak
