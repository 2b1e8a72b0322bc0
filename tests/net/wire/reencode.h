// Decode → encode → decode for any message type, shared by the unit tests
// and tests/fuzz/fuzz_messages.cc. Header-only so the fuzz build needs no
// test library.
#pragma once

#include "net/wire/messages.h"

namespace shoal::net::wire::testing {

enum class Outcome {
  kRejected,      // the decoder refused the bytes (fine for random input)
  kConsistent,    // decoded, and the re-encoding decodes to an equal value
  kInconsistent,  // decoded, but the re-encoding fails or differs: a codec bug
};

template <typename T, typename Decoder>
Outcome CheckReencode(ByteSpan body, Decoder decode) {
  Result<T> first = decode(body);
  if (!first) return Outcome::kRejected;
  Bytes encoded = Encode(*first);
  Result<T> second = decode(encoded);
  if (!second || !(*second == *first) || Encode(*second) != encoded) return Outcome::kInconsistent;
  return Outcome::kConsistent;
}

inline Outcome DecodeReencode(RecordType type, ByteSpan body) {
  switch (type) {
    case RecordType::kHello:
      return CheckReencode<Hello>(body, DecodeHello);
    case RecordType::kClusterConfig:
      return CheckReencode<ClusterConfig>(body, DecodeClusterConfig);
    case RecordType::kIndex:
      return CheckReencode<Index>(body, DecodeIndex);
    case RecordType::kIndexUpdate:
      return CheckReencode<IndexUpdate>(body, DecodeIndexUpdate);
    case RecordType::kRequest:
      return CheckReencode<Request>(body, DecodeRequest);
    case RecordType::kResponse:
      return CheckReencode<Response>(body, DecodeResponse);
    case RecordType::kPing:
      return CheckReencode<Ping>(body, DecodePing);
    case RecordType::kClose:
      return CheckReencode<Close>(body, DecodeClose);
    case RecordType::kPairAccept:
      return CheckReencode<PairAccept>(body, DecodePairAccept);
    case RecordType::kPunch:
      return CheckReencode<Punch>(body, DecodePunch);
    case RecordType::kPairReveal:
      return CheckReencode<PairReveal>(body, DecodePairReveal);
  }
  return Outcome::kRejected;
}

}  // namespace shoal::net::wire::testing
