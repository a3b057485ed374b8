//! What each of the probe's findings means and how to fix it, in the page's language. The
//! gateway's probe table (`gateway::probe::fixes`) is English, and so is the report it writes;
//! this is its Italian counterpart: the meaning of the gateway's codes is the sentence the
//! console already shows for them ([`super::sentence`]), the probe's own codes and every fix
//! are here. A test holds it to the gateway's table, so a new code cannot go untranslated.

use crate::session::Lang;

/// The probe's own codes: (code, significato, correzione).
const OWN: &[(&str, &str, &str)] = &[
    (
        "OK",
        "il gateway accetterebbe questa risposta",
        "nulla da cambiare",
    ),
    (
        "PROBE_SLOW_ANSWER",
        "la risposta ha richiesto più della metà del tempo concesso dal gateway (`fetch.timeout_ms`)",
        "rispondi più in fretta (cache, indici, PDF preparati prima): in un giorno di carico si supererà il limite e i cittadini riceveranno ENTITY_TIMEOUT",
    ),
    (
        "PROBE_NEAR_SIZE_CAP",
        "il corpo supera la metà del limite del gateway (`fetch.max_json_bytes` o `fetch.max_pdf_bytes`)",
        "riduci la dimensione (immagini compresse, documenti divisi): uno più grande è rifiutato con ENTITY_RESPONSE_TOO_LARGE",
    ),
    (
        "PROBE_CONTENT_TYPE",
        "il Content-Type della risposta non è quello del contratto (application/json per dettagli e precondizione, application/pdf per un allegato)",
        "invia il Content-Type corretto: il gateway legge comunque il corpo, ma proxy e backend di IO potrebbero non farlo",
    ),
    (
        "PROBE_UNDECLARED_ATTACHMENTS",
        "l'ente ha inviato allegati ma il messaggio non dichiara `has_attachments`: il gateway li scarta",
        "invia il messaggio con `has_attachments: true` (e `feature_level_type: ADVANCED`), oppure non elencare allegati",
    ),
    (
        "PROBE_UNDECLARED_DETAILS",
        "l'ente ha inviato i dettagli ma il messaggio non dichiara `has_remote_content`: l'app mostra oggetto e testo inviati",
        "invia il messaggio con `has_remote_content: true`, oppure non inviare i dettagli",
    ),
    (
        "PROBE_RETRY_AFTER_IGNORED",
        "la risposta 503 non aveva Retry-After in secondi (assente, o una data HTTP): il gateway dice all'app di riprovare tra 10 secondi",
        "invia `Retry-After: <secondi>` con ogni 503",
    ),
    (
        "PROBE_ATTACHMENTS_SKIPPED",
        "i dettagli elencano più allegati di quanti una verifica ne controlli (20): i primi sono stati scaricati e verificati, gli altri no",
        "verifica gli altri con `gateway check-pdf FILE` (i cittadini li scaricano uno alla volta), oppure verifica un messaggio con meno allegati",
    ),
];

/// The fix for each of the gateway's codes the probe can report: (code, correzione).
const FIXES: &[(&str, &str)] = &[
    (
        "CONFIGURATION_GONE",
        "indica un base_url http(s) assoluto, senza credenziali, query o frammento",
    ),
    (
        "NOT_A_TEST_USER",
        "aggiungi il cittadino ai `test_users` dell'ambiente di test, oppure configura un ambiente di produzione",
    ),
    (
        "NOT_YOUR_TEST_USER",
        "aggiungi il codice fiscale ai `test_users` dell'ambiente di test di una delle tue configurazioni, oppure visualizza un utente che lo è già",
    ),
    (
        "LOLLIPOP_HEADERS_MISSING",
        "nulla da parte dell'ente: le intestazioni lollipop dell'app sono state rifiutate dal gateway prima della chiamata",
    ),
    (
        "LOLLIPOP_HEADERS_INVALID",
        "nulla da parte dell'ente: le intestazioni lollipop dell'app sono state rifiutate dal gateway prima della chiamata",
    ),
    (
        "ENTITY_BAD_REQUEST",
        "accetta la richiesta del gateway come la invia IO: `GET {base_url}/messages/{id}` con l'intestazione `fiscal_code` e l'autenticazione configurata",
    ),
    (
        "ENTITY_UNAUTHORIZED",
        "accetta le credenziali configurate (intestazione e valore della chiave API, oppure voucher per l'audience del tuo e-service); se richiedi lollipop, dichiara `is_lollipop_enabled` e verifica con la firma lollipop",
    ),
    (
        "ENTITY_FORBIDDEN",
        "lascia leggere questo messaggio a questo cittadino: l'intestazione fiscal_code lo indica",
    ),
    (
        "ENTITY_NOT_FOUND",
        "servi il messaggio per questo identificativo e questo cittadino (`third_party_data.id` è il segmento del percorso, decodificato; il cittadino è l'intestazione `fiscal_code`)",
    ),
    (
        "ENTITY_TOO_MANY_REQUESTS",
        "alza il limite di richieste per il gateway: chiama una volta per ogni cittadino che apre un messaggio, fino a `fetch.per_entity_concurrency` insieme",
    ),
    (
        "ENTITY_UNAVAILABLE",
        "rispondi 200 quando sei attivo; durante una manutenzione invia 503 con `Retry-After: <secondi>`",
    ),
    (
        "ENTITY_ERROR",
        "correggi l'errore del server (è nei tuoi log): il gateway riporta un 5xx come ENTITY_ERROR",
    ),
    (
        "ENTITY_REDIRECT",
        "servi il contenuto al base_url configurato: il gateway non segue mai i reindirizzamenti (aggiorna base_url all'indirizzo finale)",
    ),
    (
        "ENTITY_UNEXPECTED_STATUS",
        "rispondi 200 con il contenuto, oppure con uno degli stati del contratto (400, 401, 403, 404, 429, 5xx)",
    ),
    (
        "ENTITY_UNREACHABLE",
        "rendi base_url raggiungibile dal gateway (DNS, firewall, certificato TLS valido per l'host) e invia risposte complete",
    ),
    (
        "ENTITY_ADDRESS_NOT_ALLOWED",
        "pubblica gli endpoint su un indirizzo pubblico, oppure chiedi al gestore del gateway di aggiungere la tua rete a `fetch.egress_allow`",
    ),
    (
        "ENTITY_TIMEOUT",
        "rispondi entro i tempi del gateway (`fetch.connect_timeout_ms`, `fetch.timeout_ms` per l'intera risposta)",
    ),
    (
        "ENTITY_INVALID_RESPONSE",
        "rispondi con il JSON del contratto (gli schemi dei messaggi di terze parti di IO), senza involucri aggiuntivi",
    ),
    (
        "ENTITY_RESPONSE_TOO_LARGE",
        "resta sotto i limiti (`fetch.max_json_bytes` per il JSON, `fetch.max_pdf_bytes` per ogni allegato)",
    ),
    (
        "ENTITY_BUSY",
        "nulla da parte dell'ente, salvo risposte lente: il gateway aveva troppe richieste in corso verso di te",
    ),
    (
        "ENTITY_CIRCUIT_OPEN",
        "correggi i guasti precedenti: dopo errori ripetuti il gateway sospende le chiamate verso di te per `fetch.breaker_open_ms`",
    ),
    (
        "ATTACHMENT_VALIDATION_BUSY",
        "nulla da parte dell'ente: ogni posto di verifica dei PDF era occupato; riprova",
    ),
    (
        "VOUCHER_REFUSED",
        "controlla il client Interop (id del client, kid, chiave) e che la finalità sia attiva su una richiesta di fruizione attiva del tuo e-service",
    ),
    (
        "INTEROP_UNAVAILABLE",
        "controlla l'indirizzo del token endpoint di Interop e che sia raggiungibile",
    ),
    (
        "ATTACHMENTS_NOT_PRESENT",
        "elenca gli allegati in `attachments` dei dettagli, oppure invia il messaggio senza `has_attachments`",
    ),
    (
        "REMOTE_CONTENT_NOT_PRESENT",
        "invia `details` (oggetto e testo), oppure invia il messaggio senza `has_remote_content`",
    ),
    (
        "SUBJECT_VALIDATION_ERROR",
        "invia un oggetto da 10 a 120 caratteri",
    ),
    (
        "MARKDOWN_VALIDATION_ERROR",
        "invia un testo markdown da 80 a 10000 caratteri",
    ),
    (
        "MARKDOWN_UNSAFE",
        "togli dal markdown l'HTML e i link diversi da https, http, mailto, tel e ioit",
    ),
    (
        "PRECONDITION_VALIDATION_ERROR",
        "invia una precondizione con un titolo e un markdown sicuro (niente HTML, niente link non sicuri)",
    ),
    (
        "ATTACHMENT_METADATA_INVALID",
        "dai a ogni allegato un id unico, un nome che finisce con .pdf, content_type application/pdf, un url relativo senza '..' né host, e una categoria [A-Z0-9_]{2,30}",
    ),
    (
        "ATTACHMENT_NOT_PDF",
        "servi i byte del PDF all'url dell'allegato (non una pagina HTML o un corpo d'errore)",
    ),
    (
        "ATTACHMENT_ENCRYPTED",
        "servi il PDF senza cifratura né password: PDF/A lo vieta",
    ),
    (
        "ATTACHMENT_NOT_PDFA",
        "produci l'allegato come PDF/A-2 (il dettaglio indica la regola violata; `gateway check-pdf FILE` le elenca tutte)",
    ),
    (
        "ATTACHMENT_TOO_COMPLEX",
        "semplifica il PDF (meno oggetti, immagini più piccole, moduli appiattiti) perché si verifichi entro `fetch.pdf_validation_timeout_ms`",
    ),
];

/// What `code` means, in `l`; `reported` is the report's own (English) text.
pub fn meaning<'a>(code: &str, reported: &'a str, l: Lang) -> &'a str {
    match l {
        Lang::En => reported,
        Lang::It => OWN
            .iter()
            .find(|(c, ..)| *c == code)
            .map(|(_, meaning, _)| *meaning)
            .unwrap_or_else(|| super::sentence(code, l)),
    }
}

/// How to fix `code`, in `l`; `reported` is the report's own (English) text.
pub fn fix<'a>(code: &str, reported: &'a str, l: Lang) -> &'a str {
    match l {
        Lang::En => reported,
        Lang::It => OWN
            .iter()
            .map(|(c, _, fix)| (*c, *fix))
            .chain(FIXES.iter().copied())
            .find(|(c, _)| *c == code)
            .map_or(reported, |(_, fix)| fix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of the gateway's probe table has its Italian meaning and fix, and nothing here
    /// names a code the probe cannot report.
    #[test]
    fn every_finding_of_the_gateways_table_is_in_italian() {
        let table = gateway::probe::fixes::table();
        for (code, meaning_en, fix_en) in &table {
            let it_fix = fix(code, fix_en, Lang::It);
            assert_ne!(it_fix, *fix_en, "{code}: no Italian fix");
            let it_meaning = meaning(code, meaning_en, Lang::It);
            assert_ne!(it_meaning, *meaning_en, "{code}: no Italian meaning");
            assert_ne!(
                it_meaning,
                super::super::sentence("NO_SUCH_CODE", Lang::It),
                "{code}: only the generic sentence"
            );
            assert_eq!(fix(code, fix_en, Lang::En), *fix_en);
        }
        for code in OWN
            .iter()
            .map(|(c, ..)| *c)
            .chain(FIXES.iter().map(|(c, _)| *c))
        {
            assert!(
                table.iter().any(|(c, ..)| *c == code),
                "{code} is not in the gateway's probe table"
            );
        }
        assert_eq!(OWN.len() + FIXES.len(), table.len());
    }
}
