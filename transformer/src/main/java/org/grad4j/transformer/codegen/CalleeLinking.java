package org.grad4j.transformer.codegen;

import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;

/** The bootstrap that links a call of another differentiated method lazily, at first execution. */
final class CalleeLinking {
    static final Handle BOOTSTRAP = new Handle(Opcodes.H_INVOKESTATIC, Jvm.LINKER, "differentiable",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)Ljava/lang/invoke/CallSite;", false);

    /** Its last argument says where the call is, for messages. */
    static final Handle VIRTUAL = new Handle(Opcodes.H_INVOKESTATIC, Jvm.LINKER, "virtual",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)Ljava/lang/invoke/CallSite;", false);

    private CalleeLinking() {}
}
