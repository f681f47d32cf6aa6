// The wallet over HTTPS on the JVM, the way an Android app uses it: the issuer and the door
// present certificates from a CA the app gets from a KeyStore (on Android the system store,
// `KeyStore.getInstance("AndroidCAStore")`; here one holding the test CA), and the app hands the
// wallet those certificates as its trust anchors. Run by bindings/tests/foreign.rs, which
// starts both services and names them in the file DOJANG_TEST_ENV_PROPERTIES points to.

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.util.Properties
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import kotlinx.coroutines.runBlocking
import kr.dojang.DojangException
import kr.dojang.Wallet
import kr.dojang.WalletConfig

fun ensure(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

/** Every CA certificate of `store`, DER-encoded: what `WalletConfig.trustAnchors` takes. */
fun trustAnchors(store: KeyStore): List<ByteArray> =
    store.aliases().toList().mapNotNull { (store.getCertificate(it) as? X509Certificate)?.encoded }

fun main() = runBlocking {
    val env = Properties()
    File(System.getenv("DOJANG_TEST_ENV_PROPERTIES")).inputStream().use { env.load(it) }
    fun prop(name: String): String = env.getProperty(name) ?: throw AssertionError("no $name")

    // The app's trust store: on Android, AndroidCAStore; here, the deployment's test CA.
    val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
    File(prop("ca_pem")).inputStream().use {
        store.setCertificateEntry("dojang-test-ca", CertificateFactory.getInstance("X.509").generateCertificate(it))
    }
    val anchors = trustAnchors(store)
    ensure(anchors.size == 1) { "anchors: ${anchors.size}" }

    // The app's own HTTP calls (the issuer's admin API, the door's API) trust the same store.
    val trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(store) }
    val http = HttpClient.newBuilder()
        .sslContext(SSLContext.getInstance("TLS").apply { init(null, trust.trustManagers, null) })
        .build()
    fun call(method: String, url: String, body: String?, token: String?): String {
        val request = HttpRequest.newBuilder(URI(url)).header("content-type", "application/json")
        if (token != null) request.header("authorization", "Bearer $token")
        request.method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
        val response = http.send(request.build(), HttpResponse.BodyHandlers.ofString())
        ensure(response.statusCode() in 200..299) { "$method $url: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }
    fun field(json: String, name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1) ?: throw AssertionError("no $name in $json")
    fun offer(): String = call(
        "POST", prop("issuer_url") + "/admin/offers",
        """{"type":"EmployeeIdCredential","claims":${prop("employee")}}""", prop("admin_token"),
    )
    ensure(prop("issuer_url").startsWith("https://") && prop("door_url").startsWith("https://")) { "not HTTPS" }

    // Without the anchors the wallet trusts the platform's store, which does not hold the test
    // CA: the issuer's certificate is refused, and the app is told the network failed.
    val first = offer()
    val untrusting = Wallet.create(null, WalletConfig(registry = null, allowLoopbackHttp = false))
    val refused = try {
        untrusting.receiveCredential(field(first, "offer_url"), field(first, "tx_code"))
        null
    } catch (e: DojangException.Unavailable) {
        e
    }
    ensure(refused != null && refused.code == "network") { "an untrusted certificate was accepted: $refused" }

    // With them: the credential comes over HTTPS.
    val wallet = Wallet.create(null, WalletConfig(registry = null, allowLoopbackHttp = false, trustAnchors = anchors))
    val second = offer()
    val credential = wallet.receiveCredential(field(second, "offer_url"), field(second, "tx_code"))
    ensure(credential.claims.any { it.path == "/department" && it.valueJson == "\"Digital Policy\"" }) {
        "claims: ${credential.claims}"
    }

    // A door over HTTPS: its OpenID4VP request read by reference, the answer posted back.
    val request = call("POST", prop("door_url") + "/api/requests", null, null)
    val read = wallet.readRequest(field(request, "openid4vp"))
    ensure(read.credentials.first().credentialTypes == listOf(prop("credential_type"))) { "$read" }
    wallet.respond(credential.id, read, read.credentials.first().claims)
    val state = call("GET", prop("door_url") + "/api/requests/" + field(request, "id"), null, null)
    ensure(field(state, "state") == "decided" && Regex("\"allow\"\\s*:\\s*true").containsMatchIn(state)) { state }

    // A certificate that is not a certificate is refused when the wallet is made.
    val bad = try {
        Wallet.create(null, WalletConfig(registry = null, allowLoopbackHttp = false, trustAnchors = listOf(byteArrayOf(1, 2, 3))))
        null
    } catch (e: DojangException.Invalid) {
        e
    }
    ensure(bad?.code == "tls.trust_anchor") { "a bad anchor: $bad" }

    println("KOTLIN HTTPS OK")
}
