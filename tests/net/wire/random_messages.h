// Seeded random wire messages for property tests and the fuzz seed corpus.
// Contents are valid (within every limit) but otherwise arbitrary.
#pragma once

#include <string>

#include "net/wire/messages.h"
#include "tests/support/test_bytes.h"

namespace shoal::net::wire::testing {

using shoal::testing::SplitMix64;

std::string RandomText(SplitMix64& rng, std::size_t max_len);
FileInfo RandomFileInfo(SplitMix64& rng);

Hello RandomHello(SplitMix64& rng);
ClusterConfig RandomClusterConfig(SplitMix64& rng);
Index RandomIndex(SplitMix64& rng);
IndexUpdate RandomIndexUpdate(SplitMix64& rng);
Request RandomRequest(SplitMix64& rng);
Response RandomResponse(SplitMix64& rng);
Close RandomClose(SplitMix64& rng);
PairAccept RandomPairAccept(SplitMix64& rng);
PairReveal RandomPairReveal(SplitMix64& rng);
Punch RandomPunch(SplitMix64& rng);

}  // namespace shoal::net::wire::testing
