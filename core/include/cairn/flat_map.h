// FlatMap: a map from short strings to values, kept as one sorted vector.
//
// An entity has a handful of fields, read and written at random across tens of thousands of
// entities during a merge; a node-based std::map costs a cache miss per tree level, a sorted
// vector one or two. The interface is the subset of std::map that Cairn uses, so code reads the
// same. Iterators and references are invalidated by insertion and erasure.
//
// Thread-safety: a value.
#ifndef CAIRN_FLAT_MAP_H_
#define CAIRN_FLAT_MAP_H_

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn {

template <typename V>
class FlatMap {
 public:
  using value_type = std::pair<std::string, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }

  iterator find(std::string_view key) {
    const auto it = LowerBound(items_, key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  const_iterator find(std::string_view key) const {
    const auto it = LowerBound(items_, key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  bool contains(std::string_view key) const { return find(key) != end(); }

  // As std::map::emplace: inserts unless the key is present; returns the element and whether it
  // was inserted.
  std::pair<iterator, bool> emplace(std::string key, V value) {
    const auto it = LowerBound(items_, key);
    if (it != items_.end() && it->first == key) return {it, false};
    return {items_.insert(it, value_type(std::move(key), std::move(value))), true};
  }

  V& operator[](std::string_view key) {
    auto it = LowerBound(items_, key);
    if (it == items_.end() || it->first != key) it = items_.insert(it, value_type(key, V()));
    return it->second;
  }

  const V& at(std::string_view key) const {
    const auto it = find(key);
    if (it == end()) throw std::out_of_range("FlatMap::at");
    return it->second;
  }

  iterator erase(iterator pos) { return items_.erase(pos); }

 private:
  // The first item whose key is not less than `key`, in the const or the mutable vector.
  template <typename Items>
  static auto LowerBound(Items& items, std::string_view key) {
    return std::lower_bound(
        items.begin(), items.end(), key,
        [](const value_type& item, std::string_view k) { return item.first < k; });
  }

  std::vector<value_type> items_;
};

}  // namespace cairn

#endif  // CAIRN_FLAT_MAP_H_
