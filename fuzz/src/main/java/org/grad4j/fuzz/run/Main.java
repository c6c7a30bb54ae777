package org.grad4j.fuzz.run;

import java.nio.file.Path;
import org.grad4j.AD;
import org.grad4j.fuzz.gen.Generator;

/**
 * The long run, from the command line (fuzz/run.sh): {@code --count N --seed S --batch B --out DIR
 * --reduce --timeout SECONDS}. Needs the agent ({@code -javaagent:agent/target/grad4j-agent.jar},
 * or grad4j-agent.jar on the class path for {@code AD.install()}). Exits with 1 when anything failed.
 */
public final class Main {
    private Main() {}

    public static void main(String[] argv) {
        long seed = 1;
        int first = 0, count = 1000, batch = 50;
        long timeout = 60;
        Path out = Path.of("fuzz-out");
        boolean reduce = false;
        Long program = null;
        Generator.Config config = Generator.Config.defaults();
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--seed" -> seed = Long.parseLong(argv[++i]);
                case "--count" -> count = Integer.parseInt(argv[++i]);
                case "--first" -> first = Integer.parseInt(argv[++i]);
                case "--batch" -> batch = Integer.parseInt(argv[++i]);
                case "--out" -> out = Path.of(argv[++i]);
                case "--reduce" -> reduce = true;
                case "--timeout" -> timeout = Long.parseLong(argv[++i]);
                case "--refusal-rate" -> config = config.withRefusalRate(Double.parseDouble(argv[++i]));
                case "--program" -> {
                    program = Long.parseLong(argv[++i]);
                    count = 1;
                }
                case "--all" -> config = config.withAvoid(java.util.Set.of());
                default -> {
                    System.err.println("usage: Main [--seed S] [--first I] [--count N] [--batch B] [--out DIR] [--reduce] "
                            + "[--timeout SECONDS] [--refusal-rate P] [--all] [--program PROGRAM_SEED]");
                    System.exit(2);
                }
            }
        }
        AD.install();
        Campaign.Options o = new Campaign.Options(seed, first, count, batch, out, reduce, timeout, config, program);
        Campaign.Report report = new Campaign(o, System.out).run();
        System.out.print(report.summary(seed));
        System.exit(report.get(org.grad4j.fuzz.run.Check.Status.FAIL) > 0 ? 1 : 0);
    }
}
