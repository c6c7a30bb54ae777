package org.grad4j.agent;

import java.lang.instrument.Instrumentation;
import org.grad4j.GradientException;
import org.grad4j.runtime.Bridge;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Transformer;

/**
 * grad4j's Java agent: {@code -javaagent:grad4j-agent.jar[=dump=DIR,verbose]}, or
 * {@link #install()} at run time.
 *
 * <p>It never changes a class. At start-up it registers a transformer that records the bytes of
 * classes mentioning {@code @Differentiable} ({@link RecordingTransformer}) and installs
 * {@link GeneratedEntries} in {@link Bridge}; code is generated lazily, when the first gradient
 * of a method is asked for, and defined beside the method's class.
 *
 * <p>Public methods expose JDK types only: Byte Buddy is relocated inside the agent jar.
 */
public final class Grad4jAgent {
    private static final Object LOCK = new Object();
    private static volatile Instrumentation instrumentation; // set once started
    private static Locators locators; // set before instrumentation

    private Grad4jAgent() {}

    /** Entry point for {@code -javaagent:}. Never throws: a failure is reported and the application runs on. */
    public static void premain(String agentArgs, Instrumentation inst) {
        startReporting(agentArgs, inst);
    }

    /** Entry point for attaching to a running JVM. */
    public static void agentmain(String agentArgs, Instrumentation inst) {
        startReporting(agentArgs, inst);
    }

    /**
     * Starts the agent in this JVM if it is not running yet, attaching to the JVM itself
     * (grad4j-agent.jar on the class path suffices). Idempotent and thread-safe. Options come
     * from the system properties {@code grad4j.dump} and {@code grad4j.verbose}.
     *
     * <p>Classes loaded before this call were not recorded; their bytes are read from their
     * loaders' resources or by retransformation when needed.
     *
     * @throws GradientException when the JVM does not allow attaching to itself
     */
    public static void install() {
        if (instrumentation != null) return;
        synchronized (LOCK) {
            if (instrumentation != null) return;
            if (Bridge.installed()) return; // another copy of the agent (another loader) runs already
            Instrumentation inst;
            try {
                inst = SelfAttach.instrumentation();
            } catch (RuntimeException | LinkageError e) {
                throw new GradientException("grad4j: could not attach the agent to this JVM (" + e
                        + "). Start the JVM with -javaagent:path/to/grad4j-agent.jar instead.", e);
            }
            start(null, inst);
        }
    }

    private static void startReporting(String agentArgs, Instrumentation inst) {
        try {
            start(agentArgs, inst);
        } catch (Throwable t) {
            // A throwing premain aborts the JVM; without the agent, AD says what is missing.
            System.err.println("grad4j: the agent failed to start, gradients are unavailable: " + t);
        }
    }

    static void start(String agentArgs, Instrumentation inst) {
        synchronized (LOCK) {
            if (instrumentation != null) return; // -javaagent given twice, or install() after premain
            AgentOptions options = AgentOptions.parse(agentArgs, System.getProperties());
            Log log = new Log(options.verbose());
            for (String warning : options.warnings()) log.warn(warning);

            RecordedClasses recorded = new RecordedClasses();
            RecordingTransformer recorder = new RecordingTransformer(recorded);
            inst.addTransformer(recorder, inst.isRetransformClassesSupported());
            Locators locators = new Locators(recorded, recorder, inst);
            Bridge.install(new GeneratedEntries(new TransformerGenerator(locators),
                    new ClassDefiner(options.dumpDirectory(), inst, log), log));
            Bridge.installLambdaResolver(new LambdaResolver(locators::apply));
            Grad4jAgent.locators = locators;
            openThreadLocalsToWorkers(inst, log);
            instrumentation = inst;
            if (log.verbose()) { // string concatenation bootstraps an invokedynamic: off the quiet path
                log.info("agent started (" + options + ", retransformation "
                        + (inst.isRetransformClassesSupported() ? "on" : "off") + ")");
            }
        }
    }

    /**
     * Opens {@code java.lang} to grad4j's runtime, so that a worker running a caller's gradient can
     * take the caller's thread-locals for it ({@code runtime.CallerThreadLocals}): a loss that
     * reads a per-thread setting then computes what it computes when called.
     */
    private static void openThreadLocalsToWorkers(Instrumentation inst, Log log) {
        Module base = Object.class.getModule();
        Module runtime = org.grad4j.runtime.Workers.class.getModule();
        try {
            if (inst.isModifiableModule(base)) {
                inst.redefineModule(base, java.util.Set.of(), java.util.Map.of(), java.util.Map.of("java.lang", java.util.Set.of(runtime)),
                        java.util.Set.of(), java.util.Map.of());
            }
        } catch (RuntimeException e) {
            log.warn("could not open java.lang to grad4j (" + e + "): a gradient run on a worker thread sees the worker's thread-locals");
        }
    }

    /** How the running agent finds class bytes for a loader (recorded, resource, retransformed); null before it starts. */
    static ClassFileLocator locatorFor(ClassLoader loader) {
        return instrumentation == null ? null : locators.apply(loader);
    }

    /** The instrumentation the agent runs with, or null before it starts. */
    static Instrumentation instrumentation() {
        return instrumentation;
    }

    // Named classes rather than lambdas on the premain path: the first lambda of a JVM costs
    // tens of milliseconds of start-up (LambdaMetafactory), paid by every application.

    /** Class bytes as seen from a loader: recorded, then resource, then retransformation. */
    private static final class Locators {
        private final RecordedClasses recorded;
        private final RecordingTransformer recorder;
        private final Instrumentation inst;

        Locators(RecordedClasses recorded, RecordingTransformer recorder, Instrumentation inst) {
            this.recorded = recorded;
            this.recorder = recorder;
            this.inst = inst;
        }

        ClassFileLocator apply(ClassLoader loader) {
            return new HostClassFileLocator(loader, recorded,
                    inst.isRetransformClassesSupported() ? type -> recorder.capture(inst, type) : null, inst::getAllLoadedClasses);
        }
    }

    /** The real generator: the transformer, reading bytes through the host's loader. */
    private static final class TransformerGenerator implements GeneratedEntries.CodeGenerator {
        private final Locators locators;

        TransformerGenerator(Locators locators) {
            this.locators = locators;
        }

        @Override
        public GeneratedCode generate(Class<?> host, String owner, String name, String descriptor) {
            return new Transformer(locators.apply(host.getClassLoader())).generate(owner, name, descriptor);
        }
    }

    /** Keeps Byte Buddy off the {@code premain} path: loaded only when {@link #install()} attaches. */
    private static final class SelfAttach {
        static Instrumentation instrumentation() {
            return net.bytebuddy.agent.ByteBuddyAgent.install();
        }
    }
}
