// Host-side data parallelism for the firmware's per-layer work (pruning, slot
// plans, Wanda scores, the golden GEMM): [0, n) cut into one contiguous range
// per hardware thread. Work items must be independent, so results do not
// depend on the thread count. An exception thrown for a range is rethrown
// after all ranges ended; if several ranges throw, the lowest range's wins,
// as if the loop had run in order.
#pragma once
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace flexcim::fw {

inline unsigned host_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// body(begin, end) for disjoint ranges covering [0, n); ranges shorter than
// `grain` items are not worth a thread.
template <typename Body>
void parallel_for(size_t n, size_t grain, Body body) {
  const size_t threads = std::min<size_t>(host_threads(), std::max<size_t>(1, n / std::max<size_t>(1, grain)));
  if (threads <= 1) {
    body(size_t(0), n);
    return;
  }
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> workers;
  auto range = [&](size_t t) {
    try {
      body(n * t / threads, n * (t + 1) / threads);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(range, t);
  range(0);
  for (std::thread& w : workers) w.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace flexcim::fw
