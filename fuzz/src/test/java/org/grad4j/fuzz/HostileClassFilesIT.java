package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.Gradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Attribute;
import org.objectweb.asm.ByteVector;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Malformed and hostile class files seen by the agent in a running application: truncated bytes,
 * garbage (with and without the byte pattern the agent looks for), unknown attributes, bytecode
 * that does not verify, methods near the 64 KB limit, 254 parameter slots. The JVM rejects what
 * it must, with its own errors; the agent never adds one, never changes what loads, and the
 * application — gradients included — carries on.
 *
 * <p>The agent's unit tests feed odd bytes to its scanner and recorder directly; these go through
 * {@code ClassLoader.defineClass} in a JVM started with {@code -javaagent}.
 */
class HostileClassFilesIT {
    static final byte[] PATTERN = "Lorg/grad4j/Differentiable;".getBytes(StandardCharsets.US_ASCII);
    static final AtomicInteger NAMES = new AtomicInteger();

    @BeforeAll
    static void agent() {
        AD.install();
    }

    static final class Loader extends ClassLoader {
        Loader() {
            super(HostileClassFilesIT.class.getClassLoader());
        }

        Class<?> define(String binaryName, byte[] b) {
            return defineClass(binaryName, b, 0, b.length);
        }
    }

    static String fresh(String stem) {
        return "hostile/" + stem + NAMES.incrementAndGet();
    }

    /** {@code public class NAME { @Differentiable public static double f(double x) { return x * x * K; } }}. */
    static byte[] differentiable(String name, double k, Attribute extra) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        cw.visitSource(name.substring(name.lastIndexOf('/') + 1) + ".java", null);
        if (extra != null) cw.visitAttribute(extra);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        if (extra != null) mv.visitAttribute(extra);
        mv.visitCode();
        Label l = new Label();
        mv.visitLabel(l);
        mv.visitLineNumber(3, l);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.DMUL);
        mv.visitLdcInsn(k);
        mv.visitInsn(Opcodes.DMUL);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** An attribute no JVM knows: JVMS §4.7.1 says to ignore it silently. */
    static final class Unknown extends Attribute {
        Unknown() {
            super("org.example.Hostile");
        }

        @Override
        protected ByteVector write(ClassWriter cw, byte[] code, int len, int maxStack, int maxLocals) {
            ByteVector v = new ByteVector();
            for (int i = 0; i < 300; i++) v.putByte(i);
            v.putByteArray(PATTERN, 0, PATTERN.length); // and the agent's pattern, for good measure
            return v;
        }
    }

    static double derivativeOfF(Class<?> c, double x) throws Exception {
        Gradients g = AD.gradient(c.getMethod("f", double.class), null, x);
        return (Double) g.get(0);
    }

    @Test
    void garbageIsRejectedByTheJvmAloneAndTheApplicationCarriesOn() throws Exception {
        Random random = new Random(2024);
        Loader loader = new Loader();
        for (int i = 0; i < 2_000; i++) {
            byte[] b = new byte[random.nextInt(4096)];
            random.nextBytes(b);
            if (i % 2 == 0 && b.length > 40) { // half of them carry the pattern the agent records classes by
                System.arraycopy(PATTERN, 0, b, random.nextInt(b.length - PATTERN.length), PATTERN.length);
            }
            if (i % 3 == 0 && b.length >= 4) { // and some start like a class file
                b[0] = (byte) 0xCA;
                b[1] = (byte) 0xFE;
                b[2] = (byte) 0xBA;
                b[3] = (byte) 0xBE;
            }
            String name = fresh("Garbage").replace('/', '.');
            assertThrows(ClassFormatError.class, () -> loader.define(name, b), "garbage " + i);
        }
        assertApplicationWorks();
    }

    @Test
    void truncatedAtEveryLengthThenWhole() throws Exception {
        String name = fresh("Truncated");
        byte[] whole = differentiable(name, 3, null);
        Loader loader = new Loader();
        for (int n = 0; n < whole.length; n++) {
            byte[] cut = Arrays.copyOf(whole, n);
            try {
                loader.define(name.replace('/', '.'), cut);
                fail("a class cut to " + n + " of " + whole.length + " bytes loaded");
            } catch (ClassFormatError expected) {
                // the JVM's own verdict, unchanged by the agent
            }
        }
        // the truncated attempts were seen by the agent under this very name; the whole class must win
        Class<?> c = loader.define(name.replace('/', '.'), whole);
        assertEquals(2 * 1.5 * 3, derivativeOfF(c, 1.5), 0);
    }

    @Test
    void aFailedDefinitionUnderAHelpersNameLeavesTheApplicationRunning() throws Exception {
        String helper = fresh("Helper");
        String caller = fresh("Caller");
        Loader loader = new Loader();
        byte[] junk = new byte[200];
        Arrays.fill(junk, (byte) 7);
        System.arraycopy(PATTERN, 0, junk, 50, PATTERN.length);
        assertThrows(ClassFormatError.class, () -> loader.define(helper.replace('/', '.'), junk));
        loader.define(helper.replace('/', '.'), helperClass(helper));
        Class<?> c = loader.define(caller.replace('/', '.'), callerClass(caller, helper));
        assertEquals(Math.sin(0.7) * 2, (Double) c.getMethod("f", double.class).invoke(null, 0.7), 0);
        assertGradientOrAnyGradientException(() -> derivativeOfF(c, 0.7), "a helper first defined from junk");
        assertApplicationWorks();
    }

    @Test
    void aFailedDefinitionDoesNotShadowTheHelperDefinedAfterIt() throws Exception {
        // A helper class whose first definition (garbage carrying the pattern, under the helper's name)
        // fails; the real helper (no @Differentiable, so not recorded) is defined next. The caller's
        // gradient must read the real helper, not the bytes the agent saw first.
        String helper = fresh("Helper");
        String caller = fresh("Caller");
        Loader loader = new Loader();
        byte[] junk = new byte[200];
        Arrays.fill(junk, (byte) 7);
        System.arraycopy(PATTERN, 0, junk, 50, PATTERN.length);
        assertThrows(ClassFormatError.class, () -> loader.define(helper.replace('/', '.'), junk));
        loader.define(helper.replace('/', '.'), helperClass(helper));
        Class<?> c = loader.define(caller.replace('/', '.'), callerClass(caller, helper));
        assertEquals(Math.cos(0.7) * 2, derivativeOfF(c, 0.7), 1e-15);
    }

    @Test
    void controlAHelperDefinedWithoutAFailedAttemptFirst() throws Exception {
        String helper = fresh("Helper");
        String caller = fresh("Caller");
        Loader loader = new Loader();
        loader.define(helper.replace('/', '.'), helperClass(helper));
        Class<?> c = loader.define(caller.replace('/', '.'), callerClass(caller, helper));
        assertEquals(Math.cos(0.7) * 2, derivativeOfF(c, 0.7), 1e-15);
    }

    /** {@code public class HELPER { public static double h(double x) { return Math.sin(x) * 2; } }}. */
    static byte[] helperClass(String name) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "h", "(D)D", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Math", "sin", "(D)D", false);
        mv.visitLdcInsn(2.0);
        mv.visitInsn(Opcodes.DMUL);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** {@code public class CALLER { @Differentiable public static double f(double x) { return HELPER.h(x); } }}. */
    static byte[] callerClass(String name, String helper) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, helper, "h", "(D)D", false);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void unknownAttributesEverywhereAreIgnored() throws Exception {
        String name = fresh("Attributes");
        Class<?> c = new Loader().define(name.replace('/', '.'), differentiable(name, 0.5, new Unknown()));
        assertEquals(2 * 1.2 * 0.5, derivativeOfF(c, 1.2), 1e-15);
    }

    @Test
    void bytecodeThatDoesNotVerifyIsAClearErrorNotACrash() throws Exception {
        // f(D)D adds a double to an int: the JVM rejects it when linking; grad4j must fail as clearly
        String name = fresh("Unverifiable");
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitInsn(Opcodes.DADD);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(4, 2);
        mv.visitEnd();
        cw.visitEnd();
        Loader loader = new Loader();
        Class<?> c = loader.define(name.replace('/', '.'), cw.toByteArray()); // defining does not verify
        Throwable t = assertThrows(Throwable.class, () -> derivativeOfF(c, 1.0));
        assertTrue(t instanceof GradientException || t instanceof VerifyError, "a clear error, got " + t);
        assertTrue(String.valueOf(t.getMessage()).contains(name.replace('/', '.')) || t instanceof VerifyError,
                "names the class: " + t.getMessage());
        assertApplicationWorks();
    }

    @Test
    void aMethodNearTheSixtyFourKilobyteLimitLeavesTheApplicationRunning() throws Exception {
        String name = fresh("Huge");
        Class<?> c = new Loader().define(name.replace('/', '.'), huge(name, 5_400));
        assertTrue(Double.isFinite((Double) c.getMethod("f", double.class).invoke(null, 0.3))); // the class itself runs
        assertGradientOrAnyGradientException(() -> derivativeOfF(c, 0.3), "a 59 KB method");
        assertApplicationWorks();
    }

    static double expectedHuge(int repeats, double x) {
        double expected = 0; // d/dx Σ_k 1.000001^k · sin x
        for (int k = 0; k < repeats; k++) expected += Math.pow(1.000001, k);
        return expected * Math.cos(x);
    }

    /** {@code f(x)}: {@code s = s * 1.000001 + sin(x)}, {@code repeats} times, in one method (11 bytes each). */
    static byte[] huge(String name, int repeats) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        mv.visitInsn(Opcodes.DCONST_0);
        mv.visitVarInsn(Opcodes.DSTORE, 2);
        for (int i = 0; i < repeats; i++) {
            mv.visitVarInsn(Opcodes.DLOAD, 2);
            mv.visitLdcInsn(1.000001);
            mv.visitInsn(Opcodes.DMUL);
            mv.visitVarInsn(Opcodes.DLOAD, 0);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Math", "sin", "(D)D", false);
            mv.visitInsn(Opcodes.DADD);
            mv.visitVarInsn(Opcodes.DSTORE, 2);
        }
        mv.visitVarInsn(Opcodes.DLOAD, 2);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void aMethodNearTheSixtyFourKilobyteLimitGetsAGradientOrAClearRefusal() throws Exception {
        String name = fresh("Huge");
        Class<?> c = new Loader().define(name.replace('/', '.'), huge(name, 5_400));
        assertGradientOrClearRefusal(() -> derivativeOfF(c, 0.3), expectedHuge(5_400, 0.3), "a 59 KB method");
    }

    @Test
    void twoHundredFiftyFourParameterSlotsLeaveTheApplicationRunning() throws Exception {
        Method f = wide(127);
        Object[] args = new Object[127];
        for (int i = 0; i < args.length; i++) args[i] = 0.01 * i;
        assertGradientOrAnyGradientException(() -> (Double) AD.gradient(f, null, args).get(1), "254 parameter slots");
        assertApplicationWorks();
    }

    @Test
    void twoHundredFiftyFourParameterSlots() throws Exception {
        int n = 127;
        Method f = wide(n);
        Object[] args = new Object[n];
        for (int i = 0; i < n; i++) args[i] = 0.01 * i;
        assertGradientOrClearRefusal(() -> {
            Gradients g = AD.gradient(f, null, args);
            for (int i = 0; i < n; i++) assertEquals(2 * (i + 1) * 0.01 * i, (Double) g.get(i), 1e-12, "parameter " + i);
            return 0.0;
        }, 0.0, "254 parameter slots");
    }

    /** {@code f(x_0 … x_{n-1}) = Σ (i+1)·x_i²}: 2n parameter slots. */
    static Method wide(int n) {
        String name = fresh("Wide");
        String desc = "(" + "D".repeat(n) + ")D";
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", desc, null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        mv.visitInsn(Opcodes.DCONST_0);
        for (int i = 0; i < n; i++) { // Σ (i+1) · x_i²
            mv.visitVarInsn(Opcodes.DLOAD, 2 * i);
            mv.visitVarInsn(Opcodes.DLOAD, 2 * i);
            mv.visitInsn(Opcodes.DMUL);
            mv.visitLdcInsn((double) (i + 1));
            mv.visitInsn(Opcodes.DMUL);
            mv.visitInsn(Opcodes.DADD);
        }
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        Class<?> c = new Loader().define(name.replace('/', '.'), cw.toByteArray());
        for (Method m : c.getMethods()) if (m.getName().equals("f")) return m;
        throw new AssertionError("no f");
    }

    interface Computation {
        double run() throws Exception;
    }

    /** The right answer, or a GradientException (TransformException included) that says what: never another failure. */
    static void assertGradientOrClearRefusal(Computation c, double expected, String what) {
        try {
            double got = c.run();
            assertEquals(expected, got, 1e-9 * Math.max(1, Math.abs(expected)), what);
            System.out.println("hostile: " + what + ": differentiated correctly");
        } catch (GradientException | org.grad4j.TransformException e) {
            String m = String.valueOf(e.getMessage());
            System.out.println("hostile: " + what + ": " + e.getClass().getSimpleName() + ": " + m.split("\n")[0]);
            assertTrue(!m.contains("internal error"), what + ": an internal error instead of a refusal: " + m);
        } catch (Throwable t) {
            throw new AssertionError(what + ": neither a gradient nor a clear refusal: " + t, t);
        }
    }

    /** Anything but a crash: a gradient, or an exception the caller can catch; what happened is printed. */
    static void assertGradientOrAnyGradientException(Computation c, String what) {
        try {
            c.run();
            System.out.println("hostile: " + what + ": differentiated");
        } catch (GradientException e) {
            System.out.println("hostile: " + what + ": " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
        } catch (RuntimeException e) {
            System.out.println("hostile: " + what + ": " + e); // not the clear error it should be, but no crash
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t, t);
        }
    }

    static void assertApplicationWorks() {
        assertEquals(Math.cos(0.5), AD.derivative(v -> Math.sin(v), 0.5), 0);
        assertEquals(6.0, AD.derivative(v -> v * v * v, Math.sqrt(2)), 1e-14);
    }
}
