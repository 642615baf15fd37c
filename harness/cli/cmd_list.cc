// attnbench list: the registered variants, the masks each supports, the
// mask kinds (built-in and registered) and the runnable Highway targets.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/contract/mask_rule.h"
#include "harness/contract/variant.h"
#include "kernels/target.h"

namespace attnbench::cli {

Command AddListCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "list", "List the registered variants, mask kinds and targets");
  return {sub, [] {
            fmt::print("variants:\n");
            for (const Variant* v : Registry::Get().All()) {
              std::string masks;
              for (const std::string& m : v->SupportedMasks()) {
                masks += (masks.empty() ? "" : ",") + m;
              }
              fmt::print("  {:<16} masks: {}{}\n  {:<16} {}\n", v->Name(),
                         masks, v->HasBackward() ? "; backward pass" : "", "",
                         v->Summary());
            }
            fmt::print("\nmask kinds (--mask):\n");
            for (const MaskKindInfo* k : MaskKinds()) {
              fmt::print("  {}\n", k->usage);
            }
            std::string targets;
            for (int64_t t : RunnableTargets()) {
              targets += (targets.empty() ? "" : ", ") + TargetNameOf(t);
            }
            fmt::print("\nHighway targets runnable here (best first): {}\n",
                       targets);
            return 0;
          }};
}

}  // namespace attnbench::cli
