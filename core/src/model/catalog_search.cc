#include "cairn/catalog_search.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace cairn {
namespace {

std::string Fold(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
    size_t end = i;
    while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0) ++end;
    if (end > i) out.push_back(Fold(text.substr(i, end - i)));
    i = end;
  }
  return out;
}

// A searched field: its name, its weight, and its folded texts.
struct Field {
  std::string_view name;
  int weight;
  std::vector<std::string> texts;
};

bool Contains(const Field& field, const std::string& word) {
  return std::any_of(field.texts.begin(), field.texts.end(),
                     [&](const std::string& text) { return text.find(word) != std::string::npos; });
}

}  // namespace

std::vector<CatalogMatch> SearchCatalog(const std::vector<v1::MicroCredential>& micro_credentials,
                                        const std::vector<v1::Stack>& stacks,
                                        std::string_view query) {
  const std::vector<std::string> words = Words(query);
  std::vector<CatalogMatch> out;
  if (words.empty()) return out;
  std::string phrase;
  for (const std::string& word : words) phrase += (phrase.empty() ? "" : " ") + word;

  for (const v1::MicroCredential& mc : micro_credentials) {
    std::array<Field, 5> fields = {
        Field{"title", 8, {Fold(mc.title())}}, Field{"topics", 6, {}}, Field{"stack", 4, {}},
        Field{"competency", 2, {Fold(mc.competency())}}, Field{"summary", 2, {Fold(mc.summary())}}};
    for (const std::string& topic : mc.topics()) fields[1].texts.push_back(Fold(topic));
    for (const v1::Stack& stack : stacks) {
      const auto& ids = stack.micro_credential_ids();
      const auto& mine = mc.stack_ids();
      if (std::find(ids.begin(), ids.end(), mc.id()) != ids.end() ||
          std::find(mine.begin(), mine.end(), stack.id()) != mine.end()) {
        fields[2].texts.push_back(Fold(stack.title()));
      }
    }

    CatalogMatch match;
    match.micro_credential = &mc;
    std::array<bool, 5> used{};
    bool all = true;
    for (const std::string& word : words) {
      int best = 0;
      for (size_t f = 0; f < fields.size(); ++f) {
        if (!Contains(fields[f], word)) continue;
        used[f] = true;
        best = std::max(best, fields[f].weight);
      }
      if (best == 0) {
        all = false;
        break;
      }
      match.score += best;
    }
    if (!all) continue;
    if (fields[0].texts[0].find(phrase) != std::string::npos) match.score += 20;
    if (std::find(fields[1].texts.begin(), fields[1].texts.end(), phrase) !=
        fields[1].texts.end()) {
      match.score += 15;
    }
    for (size_t f = 0; f < fields.size(); ++f) {
      if (used[f]) match.matched.emplace_back(fields[f].name);
    }
    out.push_back(std::move(match));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const CatalogMatch& a, const CatalogMatch& b) { return a.score > b.score; });
  return out;
}

}  // namespace cairn
