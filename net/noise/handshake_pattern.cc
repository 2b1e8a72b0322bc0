#include "net/noise/handshake_pattern.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shoal::net {
namespace {

using enum Token;

struct BasePattern {
  std::string_view name;
  std::vector<Token> initiator_premessage;
  std::vector<Token> responder_premessage;
  std::vector<std::vector<Token>> messages;
};

// §7.5 (interactive patterns). Add entries here to support more patterns;
// pre-messages must hold only "s" (HandshakeState has no pre-known "e").
const std::vector<BasePattern>& BasePatterns() {
  static const std::vector<BasePattern> kPatterns = {
      // -> e
      // <- e, ee, s, es
      // -> s, se
      {"XX", {}, {}, {{kE}, {kE, kEE, kS, kES}, {kS, kSE}}},
      // <- s
      // ...
      // -> e, es, s, ss
      // <- e, ee, se
      {"IK", {}, {kS}, {{kE, kES, kS, kSS}, {kE, kEE, kSE}}},
  };
  return kPatterns;
}

Error Invalid(std::string_view what, std::string_view name) {
  return Error{ErrorCode::kInvalidArgument, std::string(what) + " '" + std::string(name) + "'"};
}

// Applies one "pskN" modifier to `pattern`.
Result<void> ApplyPskModifier(std::string_view modifier, std::vector<bool>& seen,
                              HandshakePattern& pattern) {
  constexpr std::string_view kPrefix = "psk";
  if (!modifier.starts_with(kPrefix)) return Invalid("unsupported pattern modifier", modifier);
  std::string_view digits = modifier.substr(kPrefix.size());
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return Invalid("malformed psk modifier", modifier);
  }
  if (n > pattern.messages.size()) return Invalid("psk modifier beyond the last message", modifier);
  if (seen[n]) return Invalid("repeated psk modifier", modifier);
  seen[n] = true;
  if (n == 0) {
    auto& first = pattern.messages.front();
    first.insert(first.begin(), kPsk);
  } else {
    pattern.messages[n - 1].push_back(kPsk);
  }
  ++pattern.psk_count;
  return {};
}

}  // namespace

Result<HandshakePattern> ParseHandshakePattern(std::string_view name) {
  auto base_end = std::find_if(name.begin(), name.end(),
                               [](char c) { return std::islower(static_cast<unsigned char>(c)); });
  std::string_view base = name.substr(0, static_cast<std::size_t>(base_end - name.begin()));
  std::string_view modifiers = name.substr(base.size());
  const auto& table = BasePatterns();
  auto found = std::find_if(table.begin(), table.end(),
                            [&](const BasePattern& p) { return p.name == base; });
  if (found == table.end()) return Invalid("unsupported handshake pattern", name);

  HandshakePattern pattern{std::string(name), found->initiator_premessage,
                           found->responder_premessage, found->messages, 0};
  std::vector<bool> seen(pattern.messages.size() + 1, false);
  while (!modifiers.empty()) {
    std::size_t plus = modifiers.find('+');
    std::string_view modifier = modifiers.substr(0, plus);
    if (auto applied = ApplyPskModifier(modifier, seen, pattern); !applied) {
      return applied.error();
    }
    if (plus == std::string_view::npos) break;
    modifiers.remove_prefix(plus + 1);
    if (modifiers.empty()) return Invalid("trailing '+' in pattern", name);
  }
  return pattern;
}

Result<Protocol> ParseProtocolName(std::string_view name) {
  // Noise_<pattern>_<dh>_<cipher>_<hash>; none of the parts contains '_'.
  std::vector<std::string_view> parts;
  std::string_view rest = name;
  for (std::size_t cut; (cut = rest.find('_')) != std::string_view::npos;) {
    parts.push_back(rest.substr(0, cut));
    rest.remove_prefix(cut + 1);
  }
  parts.push_back(rest);
  if (parts.size() != 5 || parts[0] != "Noise") return Invalid("malformed Noise protocol", name);
  if (parts[2] != "25519") return Invalid("unsupported DH function in", name);
  auto cipher = ParseCipherName(parts[3]);
  if (!cipher) return Invalid("unsupported cipher in", name);
  auto hash = ParseHashName(parts[4]);
  if (!hash) return Invalid("unsupported hash function in", name);
  auto pattern = ParseHandshakePattern(parts[1]);
  if (!pattern) return pattern.error();
  return Protocol{std::string(name), std::move(*pattern), *cipher, *hash};
}

}  // namespace shoal::net
