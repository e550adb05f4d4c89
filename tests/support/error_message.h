// Test support: the message of the exception a call throws, to match with HasSubstr and friends.
#pragma once

#include <exception>
#include <functional>
#include <string>

namespace feedbench::testing {

// Calls `f` and returns the what() of the E (or a class derived from E) it throws, or
// "(nothing thrown)" when it returns normally, so a message matcher fails and shows that. An
// exception of another type propagates and fails the test on its own.
template <typename E = std::exception>
std::string ErrorMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace feedbench::testing
