package org.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grad4j.runtime.Bridge;
import org.grad4j.runtime.Ctx;
import org.grad4j.runtime.DepthExceededException;
import org.grad4j.runtime.DoubleContinuation;
import org.grad4j.runtime.WorkerSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AD} end to end, with {@link FakeBridge} in place of the agent. The {@code *$entry}
 * methods below are written by hand exactly as generated entries must be (see {@link Bridge}):
 * they pin the calling convention between the runtime and the transformer.
 */
class ADTest {
    @BeforeEach
    void installFakeAgent() {
        FakeBridge.install(ADTest.class);
    }

    @AfterEach
    void removeFakeAgent() {
        FakeBridge.remove();
    }

    // ---------------------------------------------------------------- hand-written entries

    static double sq(double x) { return x * x; }

    static volatile Thread sqThread;
    static volatile long sqBudget;

    static void sq$entry(double x, DoubleContinuation k, Ctx ctx) {
        sqThread = Thread.currentThread();
        sqBudget = ctx.stackBudgetBytes();
        double y = x * x;
        double dy = k.resume(y, ctx);
        ctx.d[0] = 2 * x * dy;
    }

    static double sumSquares(double[] w) {
        double s = 0;
        for (double v : w) s += v * v;
        return s;
    }

    static void sumSquares$entry(double[] w, double[] sw, DoubleContinuation k, Ctx ctx) {
        double dy = k.resume(sumSquares(w), ctx);
        for (int i = 0; i < w.length; i++) sw[i] += 2 * w[i] * dy;
    }

    static final class Scaler {
        final double a;
        Scaler(double a) { this.a = a; }
        double times(double x) { return a * x; }
    }

    static void times$entry(Scaler self, double x, DoubleContinuation k, Ctx ctx) {
        double dy = k.resume(self.a * x, ctx);
        ctx.d[0] = self.a * dy;
    }

    /** s = x + x + … (n times), as a CPS loop: one frame per iteration, like generated code. */
    static double repeat(double x, int n) { return x * n; }

    static final int FRAME = 200;

    static void repeat$entry(double x, int n, DoubleContinuation k, Ctx ctx) {
        repeatLoop(x, n, 0, 0.0, FRAME, k, ctx);
        // adjoints of (x, s) come back in d[0], d[1]; this entry's register 0 is x's
    }

    /** The loop function as generated code calls itself to move to a worker (runtime.StackExtension). */
    private static final java.lang.invoke.MethodHandle REPEAT_MOVED = moveOf("repeatLoop",
            java.lang.invoke.MethodType.methodType(void.class, double.class, int.class, int.class, double.class, int.class,
                    DoubleContinuation.class, Ctx.class));

    static java.lang.invoke.MethodHandle moveOf(String function, java.lang.invoke.MethodType type) {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            return org.grad4j.runtime.StackExtension.bootstrap(lookup, "move", type,
                    lookup.findStatic(ADTest.class, function, type)).dynamicInvoker();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static final List<Thread> repeatThreads = java.util.Collections.synchronizedList(new ArrayList<>());

    private static void repeatLoop(double x, int n, int i, double s, int frame, DoubleContinuation k, Ctx ctx) {
        if (ctx.enterOrMove(frame)) { // a loop's header, as generated: past the caller's share, the rest on a worker
            try {
                REPEAT_MOVED.invokeExact(x, n, i, s, frame, k, ctx);
            } catch (Throwable t) {
                throw sneaky(t);
            }
            return;
        }
        if (i == 0 || i == n) repeatThreads.add(Thread.currentThread());
        double dx = 0;
        double ds;
        if (i < n) {
            repeatLoop(x, n, i + 1, s + x, frame, k, ctx);
            dx = ctx.d[0] + ctx.d[1];
            ds = ctx.d[1];
        } else {
            ds = k.resume(s, ctx);
        }
        ctx.exit(frame);
        ctx.d[0] = dx;
        ctx.d[1] = ds;
    }

    static double repeatHuge(double x, int n) { return x * n; }

    static void repeatHuge$entry(double x, int n, DoubleContinuation k, Ctx ctx) {
        repeatLoop(x, n, 0, 0.0, 64 << 20, k, ctx); // pretend every frame is 64 MiB
    }

    static volatile Thread nestedThread;

    static double nested(double x) { return x * x; }

    static final int NESTED_FRAME = 100_000; // more than a gradient may stack on its caller's thread: it moves at once

    private static final java.lang.invoke.MethodHandle NESTED_MOVED = moveOf("nested$entry",
            java.lang.invoke.MethodType.methodType(void.class, double.class, DoubleContinuation.class, Ctx.class));

    static void nested$entry(double x, DoubleContinuation k, Ctx ctx) {
        if (ctx.enterOrMove(NESTED_FRAME)) {
            try {
                NESTED_MOVED.invokeExact(x, k, ctx);
            } catch (Throwable t) {
                throw sneaky(t);
            }
            return;
        }
        nestedThread = Thread.currentThread();
        double dInner = AD.derivative(ADTest::sq, x); // a gradient inside a gradient: inline on this worker
        double dy = k.resume(x * x, ctx);
        ctx.exit(NESTED_FRAME);
        ctx.d[0] = dInner * dy;
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    static final IllegalStateException BOOM = new IllegalStateException("boom");

    static double boom(double x) { return x; }

    static void boom$entry(double x, DoubleContinuation k, Ctx ctx) { throw BOOM; }

    static double io(double x) throws IOException { return x; }

    static void io$entry(double x, DoubleContinuation k, Ctx ctx) throws IOException {
        throw new IOException("disk");
    }

    // ---------------------------------------------------------------- the function API

    @Test
    void derivativeOfAStaticMethodReference() {
        assertEquals(6.0, AD.derivative(ADTest::sq, 3.0));
        assertTrue(sqThread.getName().startsWith("grad4j-worker"), "the first run, which links, on a worker: " + sqThread);
        assertEquals(4.0, AD.derivative(ADTest::sq, 2.0));
        assertSame(Thread.currentThread(), sqThread, "later gradients start on the caller's thread");
        assertEquals(WorkerSettings.fromSystemProperties().stackBudgetBytes(), sqBudget, "budget is 80% of the worker stack");
    }

    @Test
    void gradientFillsTheShadowAndLeavesTheInputAlone() {
        double[] w = {1, -2, 3};
        ValueAndGradient vg = AD.valueAndGradient(ADTest::sumSquares, w);
        assertEquals(14.0, vg.value());
        assertArrayEquals(new double[] {2, -4, 6}, vg.gradient());
        assertArrayEquals(new double[] {1, -2, 3}, w);
        assertArrayEquals(new double[] {2, -4, 6}, AD.gradient(ADTest::sumSquares, w));
    }

    @Test
    void boundMethodReferencePassesTheReceiverFirst() {
        Scaler s = new Scaler(2.5);
        assertEquals(2.5, AD.derivative(s::times, 7.0));
    }

    @Test
    void capturingLambdaDifferentiatesOnlyItsArgument() {
        double a = 2.5;
        ScalarFunction f = x -> a * Math.sin(x); // impl (double a, double x): x's register is 1
        assertEquals(a * Math.cos(0.3), AD.derivative(f, 0.3), 1e-8);
    }

    private double k = 4;

    @Test
    void instanceCapturingLambda() {
        ScalarFunction f = x -> k * x * x;
        assertEquals(8 * k, AD.derivative(f, 4.0), 1e-6);
    }

    @Test
    void capturedDataArrayGetsNoShadow() {
        double[] data = {3, 4, 5};
        VectorFunction f = w -> dot(w, data);
        ValueAndGradient vg = AD.valueAndGradient(f, new double[] {1, 1, 1});
        assertEquals(12, vg.value(), 1e-12);
        assertArrayEquals(data, vg.gradient(), 1e-8);
        // (data, null shadow, w, its shadow, k, ctx)
        List<Object> args = FakeBridge.lastArguments;
        assertSame(data, args.get(0));
        assertEquals("null", args.get(1));
        assertInstanceOf(double[].class, args.get(3));
    }

    @Test
    void capturedArrayThatIsTheInputIsRefused() {
        // a constant (gradient x) or the input again (2x)? refused rather than guessed
        double[] x = {1, 2};
        VectorFunction f = w -> dot(w, x);
        GradientException e = assertThrows(GradientException.class, () -> AD.gradient(f, x));
        assertTrue(e.getMessage().contains("captures the array it is differentiated at"), e.getMessage());
        assertArrayEquals(new double[] {1, 2}, AD.gradient(w -> dot(w, x), x.clone()), 1e-8); // a copy: x is constant
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static float halfOf(double x) { return (float) (x / 2); }

    @Test
    void floatResultUsesAFloatContinuation() {
        assertEquals(0.5, AD.derivative(ADTest::halfOf, 3.0), 1e-6);
    }

    // ---------------------------------------------------------------- the Method API

    static double mixed(double a, int n, double[] v, float b, double[][] m, float[] f, String s) {
        double sv = 0;
        for (double e : v) sv += e * e;
        double sm = 0;
        for (double[] row : m) for (double e : row) sm += e;
        double sf = 0;
        for (float e : f) sf += e;
        return a * b + n * sv + sm * a + sf * b + s.length();
    }

    @Test
    void methodGradientHasOneEntryPerParameter() throws Exception {
        Method mixed = ADTest.class.getDeclaredMethod("mixed", double.class, int.class, double[].class, float.class,
                double[][].class, float[].class, String.class);
        double[][] m = {{1, 2}, {3}};
        Gradients g = AD.gradient(mixed, null, 2.0, 3, new double[] {1, 2}, 0.5f, m, new float[] {1, 1}, "abc");
        assertEquals(2 * 0.5 + 3 * 5 + 6 * 2 + 2 * 0.5 + 3, g.value(), 1e-9);
        assertEquals(7, g.size());
        assertEquals(0.5 + 6, (Double) g.get(0), 1e-6);
        assertNull(g.get(1));
        assertArrayEquals(new double[] {6, 12}, (double[]) g.get(2), 1e-6);
        assertEquals(2 + 2, (Double) g.get(3), 1e-3);
        double[][] gm = (double[][]) g.get(4);
        assertArrayEquals(new double[] {2, 2}, gm[0], 1e-6);
        assertArrayEquals(new double[] {2}, gm[1], 1e-6);
        assertArrayEquals(new float[] {0.5f, 0.5f}, (float[]) g.get(5), 1e-3f);
        assertNull(g.get(6));
        assertThrows(IndexOutOfBoundsException.class, () -> g.get(7));
    }

    @Test
    void methodGradientWidensBoxedArgumentsLikeInvoke() throws Exception {
        Method sq = ADTest.class.getDeclaredMethod("sq", double.class);
        assertEquals(4.0, (Double) AD.gradient(sq, null, 2).get(0)); // Integer 2 → 2.0
        assertEquals(4.0, AD.gradient(sq, null, 2.0f).value());
    }

    @Test
    void sameArrayTwiceGetsOneSharedGradient() throws Exception {
        Method dot = ADTest.class.getDeclaredMethod("dot", double[].class, double[].class);
        double[] x = {1, 2};
        Gradients g = AD.gradient(dot, null, x, x);
        assertSame(g.get(0), g.get(1));
        assertArrayEquals(new double[] {2, 4}, (double[]) g.get(0), 1e-6);
    }

    @Test
    void instanceMethodRunsTheReceiversOverride() throws Exception {
        Method times = Scaler.class.getDeclaredMethod("times", double.class);
        assertEquals(1.5, (Double) AD.gradient(times, new Scaler(1.5), 10.0).get(0));
    }

    // ---------------------------------------------------------------- depth, nesting, threads

    @Test
    void deepLoopStartsOnTheCallersThreadAndMovesToTheWorkersLargeStack() throws Exception {
        int n = 300_000; // far beyond a default 1 MiB thread stack at one frame per iteration
        Method repeat = ADTest.class.getDeclaredMethod("repeat", double.class, int.class);
        AD.gradient(repeat, null, 0.5, 1); // the first run, which links, on a worker
        repeatThreads.clear();
        assertEquals(n, (Double) AD.gradient(repeat, null, 0.5, n).get(0), 1e-9);
        assertEquals(List.of(Thread.currentThread()), repeatThreads.subList(0, 1), "the first iteration on the caller's thread");
        assertTrue(repeatThreads.get(1).getName().startsWith("grad4j-worker"), "the last on a worker: " + repeatThreads);
    }

    @Test
    void shortLoopStaysOnTheCallersThread() throws Exception {
        Method repeat = ADTest.class.getDeclaredMethod("repeat", double.class, int.class);
        AD.gradient(repeat, null, 0.5, 1);
        repeatThreads.clear();
        assertEquals(100, (Double) AD.gradient(repeat, null, 0.5, 100).get(0), 1e-9);
        assertEquals(List.of(Thread.currentThread(), Thread.currentThread()), repeatThreads);
    }

    @Test
    void tooDeepForTheBudgetIsAClearError() throws Exception {
        Method repeatHuge = ADTest.class.getDeclaredMethod("repeatHuge", double.class, int.class);
        DepthExceededException e = assertThrows(DepthExceededException.class,
                () -> AD.gradient(repeatHuge, null, 1.0, 1000));
        assertTrue(e.getMessage().contains("-D" + WorkerSettings.STACK_PROPERTY), e.getMessage());
    }

    @Test
    void nestedGradientRunsInlineOnTheSameWorkerWithWhatIsLeftOfTheBudget() {
        assertEquals(6.0, AD.derivative(ADTest::nested, 3.0)); // the inner derivative, times dy = 1
        assertTrue(nestedThread.getName().startsWith("grad4j-worker"), "moved: " + nestedThread);
        assertSame(nestedThread, sqThread);
        assertEquals(WorkerSettings.fromSystemProperties().stackBudgetBytes() - NESTED_FRAME, sqBudget);
    }

    @Test
    void manyThreadsAtOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(12);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                int seed = t;
                results.add(callers.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        double x = seed * 1000 + i + 1; // not 0: Arrays.equals tells 0.0 from -0.0
                        double d = AD.derivative(ADTest::sq, x);
                        if (d != 2 * x) return "derivative at " + x + ": " + d;
                        double[] g = AD.gradient(ADTest::sumSquares, new double[] {x, -x});
                        if (!java.util.Arrays.equals(g, new double[] {2 * x, -2 * x})) return "gradient at " + x + ": " + java.util.Arrays.toString(g);
                    }
                    return "ok";
                }));
            }
            for (Future<String> r : results) assertEquals("ok", r.get());
        } finally {
            callers.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- errors

    @Test
    void whatTheFunctionThrowsReachesTheCallerUnchanged() throws Exception {
        assertSame(BOOM, assertThrows(IllegalStateException.class, () -> AD.derivative(ADTest::boom, 1.0)));
        Method io = ADTest.class.getDeclaredMethod("io", double.class);
        assertEquals("disk", assertThrows(IOException.class, () -> AD.gradient(io, null, 1.0)).getMessage());
    }

    @Test
    void withoutAnAgentTheMessageSaysHowToAttachOne() {
        FakeBridge.remove();
        GradientException e = assertThrows(GradientException.class, () -> AD.derivative(ADTest::sq, 1.0));
        assertTrue(e.getMessage().contains("-javaagent"), e.getMessage());
        e = assertThrows(GradientException.class, () -> AD.gradient(ADTest::sumSquares, new double[1]));
        assertTrue(e.getMessage().contains("-javaagent"), e.getMessage());
    }

    @Test
    void installWithoutTheAgentJarSaysWhatToAdd() {
        FakeBridge.remove();
        GradientException e = assertThrows(GradientException.class, AD::install);
        assertTrue(e.getMessage().contains("grad4j-agent.jar") && e.getMessage().contains("-javaagent"), e.getMessage());
    }

    @Test
    void installWithAnAgentAttachedDoesNothing() {
        AD.install();
        assertTrue(Bridge.installed());
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        assertMessage("function to differentiate is null", () -> AD.derivative(null, 1.0));
        assertMessage("function to differentiate is null", () -> AD.gradient((VectorFunction) null, new double[1]));
        assertMessage("x to take the gradient at is null", () -> AD.gradient(ADTest::sumSquares, null));
        assertMessage("method to differentiate is null", () -> AD.gradient((Method) null, null));
        Method sq = ADTest.class.getDeclaredMethod("sq", double.class);
        assertMessage("takes 1 argument(s)", () -> AD.gradient(sq, null, 1.0, 2.0));
        assertMessage("argument array for", () -> AD.gradient(sq, null, (Object[]) null));
        assertMessage("is a java.lang.String, which does not convert to double", () -> AD.gradient(sq, null, "x"));
        assertMessage("is null; pass a double", () -> AD.gradient(sq, null, (Object) null));
        Method times = Scaler.class.getDeclaredMethod("times", double.class);
        assertMessage("pass the object to call it on", () -> AD.gradient(times, null, 1.0));
        assertMessage("is declared in", () -> AD.gradient(times, "not a scaler", 1.0));
        assertMessage("is native", () -> AD.gradient(StrictMath.class.getMethod("sin", double.class), null, 1.0));
        assertMessage("returns int", () -> AD.gradient(Math.class.getMethod("round", float.class), null, 1f));
        assertMessage("is a java.lang.Integer, not a double[]",
                () -> AD.gradient(ADTest.class.getDeclaredMethod("sumSquares", double[].class), null, 3));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        GradientException e = assertThrows(GradientException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }
}
