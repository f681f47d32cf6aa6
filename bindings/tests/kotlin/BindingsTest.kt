// The Kotlin bindings on the JVM: the same calls an Android app makes, through JNA and the
// generated kr.dojang package. Run by bindings/tests/foreign.rs, which starts the issuer and
// builds the door's trust bundle, naming them in the properties file
// DOJANG_TEST_ENV_PROPERTIES points to.

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.Properties
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.runBlocking
import kr.dojang.CredentialStore
import kr.dojang.DojangException
import kr.dojang.DoorConfig
import kr.dojang.DoorVerifier
import kr.dojang.Wallet
import kr.dojang.WalletConfig
import kr.dojang.qrSvg

/** The app's own store, as an Android app would back it with its database. */
class MapStore : CredentialStore {
    val records = ConcurrentHashMap<String, String>()
    override fun put(id: String, record: String) { records[id] = record }
    override fun get(id: String): String? = records[id]
    override fun remove(id: String) { records.remove(id) }
    override fun ids(): List<String> = records.keys().toList()
}

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

inline fun <reified E : Throwable> expect(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, got no exception")
}

fun main() = runBlocking {
    val env = Properties()
    File(System.getenv("DOJANG_TEST_ENV_PROPERTIES")).inputStream().use { env.load(it) }
    fun prop(name: String): String = env.getProperty(name) ?: throw AssertionError("no $name")

    // An offer from the issuer's admin API.
    val offerBody = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI(prop("issuer_url") + "/admin/offers"))
            .header("authorization", "Bearer " + prop("admin_token"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("""{"type":"EmployeeIdCredential","claims":${prop("employee")}}"""))
            .build(),
        HttpResponse.BodyHandlers.ofString(),
    ).body()
    fun field(name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(offerBody)?.groupValues?.get(1)
            ?: throw AssertionError("no $name in $offerBody")

    val store = MapStore()
    val wallet = Wallet.create(store, WalletConfig(registry = null, allowLoopbackHttp = true))
    check(wallet.didKey().startsWith("did:key:z")) { wallet.didKey() }

    val missingPin = expect<DojangException.Invalid> { wallet.receiveCredential(field("offer_url"), null) }
    check(missingPin.code == "oid4vci.pin_required") { missingPin.code }

    val credential = wallet.receiveCredential(field("offer_url"), field("tx_code"))
    check(store.records.keys == setOf(credential.id)) { "the store holds ${store.records.keys}" }
    check(credential.claims.any { it.path == "/department" && it.valueJson == "\"Digital Policy\"" }) {
        "claims: ${credential.claims}"
    }
    check(credential.claims.any { it.path == "/name_ko" && it.valueJson == "\"김민준\"" }) { "claims: ${credential.claims}" }
    check(wallet.credentials() == listOf(credential)) { "listed: ${wallet.credentials()}" }

    val door = DoorVerifier(prop("policy"), prop("bundle"), prop("bundle_operator_key"), DoorConfig(registry = null, online = false))
    val challenge = door.challenge()
    val qr = wallet.doorPresentation(credential.id, challenge.qrText, listOf("/department"))
    check(qrSvg(qr).contains("<svg")) { "no SVG" }
    val decision = door.verify(qr)
    check(decision.allowed && decision.reasons.map { it.code } == listOf("ALLOWED")) { "$decision" }
    check(decision.disclosedJson?.contains("name_latin") == false) { "disclosed: ${decision.disclosedJson}" }

    val replay = door.verify(qr)
    check(!replay.allowed && replay.reasons.first().code == "NONCE_REPLAYED") { "$replay" }

    val withheld = door.verify(wallet.doorPresentation(credential.id, door.challenge().qrText, listOf()))
    check(!withheld.allowed && withheld.reasons.map { it.code } == listOf("CLAIM_MISSING")) { "$withheld" }

    val notFound = expect<DojangException.NotFound> { wallet.credential("nope") }
    check(notFound.code == "credential.not_found") { notFound.code }
    check(notFound.message?.contains("credential.not_found") == true) { "message: ${notFound.message}" }

    println("KOTLIN OK")
}
