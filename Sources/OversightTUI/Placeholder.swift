// Placeholder until the OversightTUI layer lands; replaced by its real sources.
import OversightCore
