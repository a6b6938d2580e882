// Placeholder until the OversightScoring layer lands; replaced by its real sources.
import OversightCore
