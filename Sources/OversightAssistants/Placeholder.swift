// Placeholder until the OversightAssistants layer lands; replaced by its real sources.
import OversightCore
