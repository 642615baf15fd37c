// attnbench list: the registered variants and the masks each supports.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/variant.h"
#include "kernels/target.h"

namespace attnbench::cli {

Command AddListCommand(CLI::App& app) {
  CLI::App* sub =
      app.add_subcommand("list", "List the registered variants and masks");
  return {sub, [] {
            fmt::print("{:<16} {:<28} {}\n", "variant", "masks", "summary");
            for (const Variant* v : Registry::Get().All()) {
              std::string masks;
              for (MaskKind m : v->SupportedMasks()) {
                masks += masks.empty() ? "" : ",";
                masks += MaskKindName(m);
              }
              fmt::print("{:<16} {:<28} {}\n", v->Name(), masks, v->Summary());
            }
            std::string targets;
            for (int64_t t : RunnableTargets()) {
              targets += targets.empty() ? "" : ", ";
              targets += TargetNameOf(t);
            }
            fmt::print("\nHighway targets runnable here (best first): {}\n",
                       targets);
            return 0;
          }};
}

}  // namespace attnbench::cli
