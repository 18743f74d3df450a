# podpora — slovenčina

app-name = podpora
nav-inbox = Schránka
nav-admin = Správa
nav-account = Môj účet
nav-logout = Odhlásiť sa
nav-notifications = Upozornenia
notification-mention = { $name } vás spomenul(a)
notification-rule = pravidlo „{ $rule }“

login-title = Prihlásenie
login-email = E-mail
login-password = Heslo
login-submit = Prihlásiť sa
login-failed = E-mail alebo heslo nesedí.
login-throttled = Priveľa neúspešných pokusov. Počkajte niekoľko minút a skúste to znova.
login-disabled = Tento účet je zablokovaný.

csrf-failed = Formulár vypršal alebo prišiel z iného webu. Obnovte stránku a skúste to znova.
not-found = Nenašlo sa, alebo k tomu nemáte prístup.
forbidden = Toto urobiť nemôžete.
error-title = Niečo sa pokazilo
error-invalid-address = „{ $value }“ nie je platná e-mailová adresa.
error-invalid-number = „{ $value }“ nie je číslo tiketu.
error-unknown-value = Neznáma hodnota ({ $kind }): { $value }.
error-template = V šablóne je chyba: { $detail }
error-unknown-language = Neznámy jazyk.
error-one-tag = Premenúvajte vždy na jeden štítok.
error-tag = Štítok musí mať 1 až 64 tlačiteľných znakov.
error-reply-or-note = Vyberte odpoveď alebo internú poznámku.
error-unknown-agent = Neznámy agent.
error-reminder = Pripomienka nie je platný dátum a čas.
error-unknown-team = Neznámy tím.
error-unknown-snooze = Neznáma doba odloženia.
error-choose-colleague = Vyberte kolegu.
error-attachments-size = Prílohy môžu mať spolu najviac { $mb } MB.
error-unknown-action = Neznáma akcia.
error-name-required = Meno je povinné.
error-password-short = Heslo musí mať aspoň 10 znakov.
error-capacity = Kapacita je počet tiketov od 0 do { $max }.
error-language-code = „{ $code }“ nie je kód jazyka (dve alebo tri písmená, napr. sk, cs, en).
error-storage = Databáza teraz nie je dostupná. Skúste to o chvíľu.
error-detail = { $detail }
error-admin-only = Toto smie iba správca.
error-light-agent-status = Obmedzený agent nemôže meniť stav tiketu ani tikety zlučovať či rozdeľovať.
error-agent-no-access = { $name } nevidí schránku tohto tiketu; najprv mu ju prideľte.
error-merge-itself = Tiket sa nedá zlúčiť sám so sebou.
error-split-first = Prvú správu nemožno oddeliť: je to samotný tiket.
error-file-name = Každá príloha musí mať názov súboru.
error-content-type = „{ $value }“ nie je typ obsahu.
error-too-long = Pole { $field } môže mať najviac { $max } znakov.
error-channel = Ručne zadaný tiket prichádza kanálom „api“ alebo „web“, nie „{ $value }“.
saved = Uložené.

view-unassigned = Nepridelené
view-mine = Moje
view-open = Všetky otvorené
view-pending = Čakajúce
view-solved = Vyriešené
view-closed = Uzavreté
view-all = Všetky
view-mailbox = Schránka
view-team = Tím
view-tag = Štítok

inbox-search = Hľadať tikety, zákazníkov, #číslo
inbox-search-submit = Hľadať
inbox-sort-oldest = Najstaršie prvé
inbox-sort-newest = Najnovšie prvé
inbox-empty = Nie sú tu žiadne tikety.
inbox-next = Ďalšia strana
inbox-first = Prvá strana
inbox-new-arrived = Nové alebo zmenené tikety — obnoviť
inbox-bulk-selected = S vybranými:
inbox-bulk-apply = Použiť
inbox-filter-any-priority = Akákoľvek priorita
tickets-count = { $count ->
    [one] { $count } tiket
    [few] { $count } tikety
   *[other] { $count } tiketov
}

bulk-assign-me = Prideliť mne
bulk-assign-to = Prideliť
bulk-unassign = Zrušiť pridelenie
bulk-close = Uzavrieť
bulk-solve = Označiť ako vyriešené
bulk-tag = Pridať štítok
bulk-merge = Zlúčiť do najstaršieho
bulk-done = { $count ->
    [one] Zmenený { $count } tiket.
    [few] Zmenené { $count } tikety.
   *[other] Zmenených { $count } tiketov.
}
bulk-none = Vyberte aspoň jeden tiket.
bulk-merge-needs-two = Na zlúčenie vyberte aspoň dva tikety.

col-number = Číslo
col-subject = Predmet
col-customer = Zákazník
col-status = Stav
col-assignee = Riešiteľ
col-updated = Zmenené
col-priority = Priorita

status-new = Nový
status-open = Otvorený
status-pending = Čaká
status-solved = Vyriešený
status-closed = Uzavretý

priority-low = Nízka
priority-normal = Bežná
priority-high = Vysoká
priority-urgent = Naliehavá

ticket-title = Tiket { $number }
ticket-from = Od
ticket-to = Komu
ticket-cc = Kópia
ticket-note = Interná poznámka
ticket-quoted = Zobraziť citovaný text
ticket-signature = Podpis
ticket-raw = Originál (.eml)
ticket-formatted = Formátované
ticket-images-blocked = Vzdialené obrázky sú zablokované.
ticket-images-show = Zobraziť obrázky
ticket-attachments = Prílohy
ticket-delivery-queued = vo fronte
ticket-delivery-sent = odoslané
ticket-delivery-failed = zlyhalo: { $error }
ticket-related = Súvisí s { $number }
ticket-merged-into = Zlúčené do { $number }
ticket-properties = Vlastnosti
ticket-status = Stav
ticket-assignee = Riešiteľ
ticket-nobody = Nikto
ticket-team = Tím
ticket-no-team = Bez tímu
ticket-priority = Priorita
ticket-tags = Štítky
ticket-tags-hint = oddelené čiarkou
ticket-remind = Pripomenúť o
ticket-save = Uložiť
ticket-merge = Zlúčiť do tiketu
ticket-merge-submit = Zlúčiť
ticket-merge-done = Zlúčené do { $number }.
ticket-split = Oddeliť do nového tiketu
ticket-snooze = Odložiť
ticket-snooze-1h = o hodinu
ticket-snooze-tomorrow = do zajtra 9:00
ticket-snooze-week = o týždeň
ticket-handover = Odovzdať
ticket-handover-to = Komu
ticket-handover-note = Čo by mal ďalší riešiteľ vedieť
ticket-handover-submit = Odovzdať
ticket-changed = Tiket sa od otvorenia zmenil — načítajte ho znova
ticket-activity = História
ticket-viewing = Práve sa pozerá aj:
ticket-typing = píše odpoveď…
ticket-messages-count = { $count ->
    [one] { $count } správa
    [few] { $count } správy
   *[other] { $count } správ
}

reply-title = Odpoveď
reply-note-title = Interná poznámka
reply-body = Správa
reply-to-participants = Príjemcovia
reply-cc = Kópia
reply-bcc = Skrytá kópia
reply-attach = Priložiť súbory
reply-send = Odoslať odpoveď
reply-add-note = Pridať poznámku
reply-template = Vložiť pripravenú odpoveď
reply-template-none = Zatiaľ žiadne pripravené odpovede.
reply-collision = { $name } odpovedal(a) na tento tiket, keď ste ho už mali otvorený. Prečítajte si odpoveď nižšie; odoslať aj tú vašu?
reply-send-anyway = Aj tak odoslať
reply-sent = Odpoveď čaká na odoslanie.
reply-noted = Poznámka pridaná.
reply-empty = Najprv napíšte správu.
reply-light-agent = Obmedzený agent môže pridávať iba interné poznámky.
reply-no-outbound = Nie je nastavený server na odosielanie: odchádzajúca pošta sa ukladá ako súbory .eml v dátovom priečinku.

customer-title = Zákazník
customer-name = Meno
customer-addresses = Adresy
customer-organisation = Organizácia
customer-notes = Poznámky k zákazníkovi
customer-language = Jazyk
customer-other-tickets = Ďalšie tikety
customer-none = Žiadne ďalšie tikety.
customer-save = Uložiť zákazníka

activity-status = zmenil(a) stav z { $from } na { $to }
activity-assign = pridelil(a) ho: { $to }
activity-unassign = zrušil(a) pridelenie
activity-tags = zmenil(a) štítky: { $detail }
activity-team = dal(a) ho tímu { $team }
activity-team-clear = odobral(a) ho tímu
activity-priority = zmenil(a) prioritu z { $from } na { $to }
activity-remind = nastavil(a) pripomienku na { $when }
activity-remind-clear = zrušil(a) pripomienku
activity-reminder = Nastal čas pripomienky: tiket je späť vo fronte.
activity-reply = odpovedal(a) zákazníkovi
activity-note = pridal(a) poznámku
activity-merged-into = zlúčil(a) tento tiket do { $number }
activity-merged-from = zlúčil(a) sem tiket { $number }
activity-split-to = oddelil(a) správy do { $number }
activity-split-from = oddelil(a) tento tiket z { $number }
activity-handover = odovzdal(a): { $to }: { $note }
activity-customer = upravil(a) zákazníka
activity-system = podpora

account-title = Môj účet
account-language = Jazyk
account-status = Dostupnosť
account-status-help = Kolegovia a prideľovanie vidia, či ste tu a beriete prácu.
agent-status-online = Dostupný
agent-status-away = Preč
agent-status-off = Mimo služby
account-password = Zmena hesla
account-password-current = Súčasné heslo
account-password-new = Nové heslo (aspoň 10 znakov)
account-password-wrong = Súčasné heslo nesedí.
account-password-changed = Heslo je zmenené. Ostatné relácie boli odhlásené.
account-save = Uložiť

canned-title = Pripravené odpovede
canned-name = Názov
canned-body = Text
canned-shared = Zdieľaná so všetkými
canned-personal = Osobná
canned-add = Pridať pripravenú odpoveď
canned-delete = Zmazať
canned-variables = Premenné: { $list }

admin-title = Správa
outbox-queued = Čaká na odoslanie
outbox-sent = Odoslané
outbox-failed = Zlyhalo
outbox-retrying = Čaká na ďalší pokus
outbox-oldest = Najstaršia neodoslaná správa čaká od
admin-agents = Agenti
admin-teams = Tímy
admin-team-name = Názov tímu
admin-team-lead = Vedúci tímu
admin-team-lead-help = Dozvie sa včas, keď tiketu tímu hrozí nesplnenie termínu; dostáva aj eskalácie. Vedúci, ktorý nie je členom, sa ním stane.
admin-team-add = Pridať tím
admin-mailboxes = Schránky
admin-outbound = Odchádzajúca pošta
admin-add-agent = Pridať agenta
admin-agent-email = E-mail
admin-agent-name = Meno
admin-agent-role = Rola
admin-agent-password = Počiatočné heslo (aspoň 10 znakov)
admin-agent-disabled = Zablokovaný
admin-agent-all-mailboxes = Všetky schránky
admin-agent-mailboxes = Schránky
admin-agent-save = Uložiť
admin-agent-created = Agent je vytvorený.
admin-cannot-demote-self = Sebe nemôžete odobrať rolu správcu ani sa zablokovať.
admin-mailbox-address = Adresa
admin-mailbox-name = Názov
admin-mailbox-imap = IMAP URL
admin-mailbox-imap-kept = nechajte prázdne, ak chcete ponechať uloženú
admin-mailbox-add = Pridať schránku
admin-mailbox-test = Vyskúšať spojenie
admin-mailbox-test-ok = Pripojené: { $detail }
admin-mailbox-test-failed = Spojenie zlyhalo: { $detail }
admin-mailbox-health = Posledné sťahovanie { $when }, stiahnuté: { $count }
admin-mailbox-never = ešte nesťahovala
admin-mailbox-error = Posledná chyba: { $error }
admin-mailbox-signature = Podpis
admin-ack-enabled = Posielať automatické potvrdenie
admin-ack-subject = Predmet potvrdenia
admin-ack-body = Text potvrdenia
admin-support-hours = Prevádzková doba
admin-response-time = Očakávaná doba odpovede
admin-alternative-contacts = Ďalšie kontakty
admin-tags = Používané štítky
admin-tag-rename = Premenovať
admin-tag-delete = Odstrániť všade
admin-set-aside = Odložená pošta
admin-reprocess = Spracovať znova

admin-overview = Prehľad
admin-mail = Pošta
admin-agents-help = Kto v helpdesku pracuje. Agenti vidia tikety schránok, ktoré im pridelíte; obmedzení agenti môžu pridávať interné poznámky, ale nikdy nepíšu zákazníkom; správcovia vidia a nastavujú všetko.
admin-agent-role-help = Správca: všetko. Agent: odpovedá zákazníkom. Obmedzený agent: iba interné poznámky.
admin-agent-mailboxes-help = Schránky, ktorých tikety tento agent vidí a dostáva.
admin-agent-disabled-help = Zablokovaný agent sa neprihlási; jeho relácie sa hneď ukončia. Jeho práca zostáva.
admin-agent-capacity = Kapacita
admin-agent-capacity-help = Koľko otvorených tiketov agent naraz zvládne; prideľovanie podľa vyťaženia s tým počíta.
admin-agent-languages = Jazyky
admin-agent-languages-help = Kódy jazykov, v ktorých agent odpovedá, oddelené čiarkou (sk, cs, en).
admin-agent-skills = Zručnosti
admin-agent-hours = Pracovný čas
admin-agent-hours-help = Napríklad „mon-fri 09:00-17:00, sat 10:00-14:00“ a časové pásmo (Europe/Bratislava). Mimo týchto hodín je agent mimo služby. Prázdne: platí len jeho stav.
admin-agent-time-zone = Časové pásmo
admin-teams-help = Tiket pridelený tímu sa zobrazí v pohľade tohto tímu.
admin-tags-help = Premenovanie na existujúci štítok ich zlúči; odstránenie ho zoberie zo všetkých tiketov.
admin-tags-none = Zatiaľ sa nepoužívajú žiadne štítky.
admin-mailboxes-help = Každá adresa podpory, na ktorú zákazníci píšu.
admin-mailbox-smtp-help = Pošta do nej prichádza cez SMTP server na { $addr }, cez rúru z MTA (podpora ingest) alebo sťahovaním z IMAP.
admin-mailbox-smtp-off = SMTP server je vypnutý: pošta prichádza sťahovaním z IMAP alebo cez rúru z MTA (podpora ingest).
admin-mailbox-no-imap = Bez sťahovania z IMAP: pošta prichádza cez SMTP server alebo rúru.
admin-mailbox-imap-help = imap://pouzivatel:heslo@server:143/INBOX alebo imaps://…:993/INBOX; heslo sa uloží a už sa nikdy nezobrazí.
admin-mailbox-name-help = Zákazníci ho vidia ako odosielateľa („Jana (Podpora obchodu)“); bez neho adresu.
admin-ack-help = Posiela sa raz ku každému novému tiketu, nikdy na automatickú poštu a jednému odosielateľovi najviac trikrát za hodinu.
admin-ack-default = prázdne: predvolený text v jazyku zákazníka
admin-ack-variables = Premenné: { $list }
admin-set-aside-help = Pošta, z ktorej sa nedal urobiť tiket (nečitateľná, vrátené správy, slučky). Nič sa nestratí: každú si môžete stiahnuť tak, ako prišla, a spracovať znova.
admin-set-aside-none = Žiadna odložená pošta.
setup-done = Hotovo
setup-warning = Skontrolovať
setup-missing = Chýba
setup-no-mailbox = Zatiaľ žiadna adresa podpory: pridajte ju, aby sa z pošty stávali tikety.
setup-mailboxes = Adresy podpory: { $list }.
setup-imap-error = { $address } nemôže sťahovať poštu: { $error }
setup-smtp-tls = SMTP server na { $addr } ponúka STARTTLS.
setup-smtp-local = SMTP server na { $addr } prijíma poštu len z tohto počítača (je pred ním MTA, alebo ide o testy).
setup-smtp-no-tls = SMTP server na { $addr } prijíma poštu zo siete bez TLS: nastavte PODPORA_SMTP_TLS_CERT a PODPORA_SMTP_TLS_KEY.
setup-smtp-off = SMTP server je vypnutý; pošta prichádza cez IMAP alebo rúru z MTA.
setup-relay = Odchádzajúca pošta ide cez { $relay }.
setup-no-relay = Pre odchádzajúcu poštu nie je nastavený server: { $detail }. Zákazníkom nič nepríde, kým nenastavíte PODPORA_SMTP_RELAY.
setup-failed-mail = { $count ->
    [one] Jednu odchádzajúcu správu sa nepodarilo odoslať.
    [few] { $count } odchádzajúce správy sa nepodarilo odoslať.
   *[other] { $count } odchádzajúcich správ sa nepodarilo odoslať.
}
setup-set-aside = { $count ->
    [one] Jedna prijatá správa je odložená.
    [few] { $count } prijaté správy sú odložené.
   *[other] { $count } prijatých správ je odložených.
}
setup-public-url-unset = Odkazy v e-mailoch vedú na { $url }, odvodené z adresy HTTP servera: nastavte PODPORA_PUBLIC_URL na adresu, ktorú používajú zákazníci a agenti.
setup-public-url-http = Verejná adresa { $url } je obyčajné http: dajte podporu za https.
setup-public-url = Verejná adresa je { $url }.
setup-agents = Prihlásiť sa môže agentov: { $count }.
setup-only-you = Ste jediný agent: pridajte kolegov.
error-imap-url = IMAP URL sa nedá použiť: { $detail }
error-ack-subject = V predmete potvrdenia je chyba: { $detail }
role-admin = Správca
role-agent = Agent
role-light_agent = Obmedzený agent

time-just-now = práve teraz
time-minutes-ago = pred { $n } min
time-hours-ago = pred { $n } h
time-days-ago = pred { $n } d

keys-help = Klávesy: j/k pohyb, Enter otvoriť, r odpovedať, n poznámka, a prideliť, / hľadať

# Texty pre zákazníkov
reply-quote-header = Dňa { $when } napísal(a) { $who }:
ack-customer = zákazník
ack-no-articles = - (náš pomocník práve vzniká)
ack-default-hours = pondelok až piatok
ack-default-response-time = jeden pracovný deň
ack-subject = { $ticket_tag } Vašu správu sme prijali: { $subject }
ack-body = { $greeting }

    ďakujeme, že ste napísali na { $mailbox_name }. Vašu požiadavku sme zaevidovali ako tiket { $ticket_number }.

    Sme tu pre vás: { $support_hours }
    { $expected }

    Ak je to naliehavé, zastihnete nás aj takto: { $alternative_contacts }

    Na vašu otázku možno už odpovedajú tieto články:
    { $help_articles }

    Ak chcete niečo doplniť, stačí odpovedať na tento e-mail a ponechať číslo tiketu v predmete.
routing-turn = striedanie: ďalší z { $available } dostupných
routing-load = najmenej vyťažený: { $open } z { $capacity } otvorených tiketov
routing-sticky = stály kontakt: odpovedal(a) { $days ->
    [0] dnes
    [1] včera
   *[other] pred { $days } dňami
}
routing-manager-customer = account manažér zákazníka
routing-manager-organisation = account manažér organizácie
routing-rule = pravidlo „{ $rule }“
routing-nobody = nikto nie je dostupný: čaká vo fronte
routing-language = hovorí jazykom { $language }
routing-skills = zručnosti { $skills }
routing-missed-helper = { $agent }, ktorý(á) odpovedal(a) naposledy, nie je dostupný(á)
routing-missed-no-helper = za posledných { $days } dní mu nikto neodpovedal
routing-missed-no-manager = bez account manažéra
routing-missed-manager-elsewhere = account manažér { $agent } tu nepracuje
activity-routed = pridelil(a) ho: { $to }: { $why }
activity-routed-wait = { $why }
routing-by-hand = pridelené ručne
activity-rule = spustilo sa pravidlo „{ $rule }“
activity-rule-failed = pravidlo nemohlo konať: { $detail }
error-rule-unknown-id = taký tím, schránka ani aktívny agent neexistuje: { $id }
error-rule-unknown-canned = neexistuje zdieľaná pripravená odpoveď { $id }
activity-released = zobral(a) ho agentovi { $from }, ktorý(á) skončil(a) službu pred prvou odpoveďou
customer-account-manager = Account manažér
error-sticky-days = Okno stáleho kontaktu má 1 až 365 dní.
admin-routing = Prideľovanie
admin-routing-help = Kto dostane nový tiket. Prácu berú agenti, ktorí sú dostupní a pod svojou kapacitou (nastavuje sa na stránke Agenti); každé rozhodnutie sa zapíše do histórie tiketu aj s dôvodom.
admin-routing-no-mailboxes = Zatiaľ žiadna adresa podpory.
admin-routing-teams-help = O tiketoch daných tímu (človekom alebo pravidlom) rozhoduje pravidlo tímu; keď je ručné, rozhoduje pravidlo schránky.
admin-routing-policy = Prideľovanie
admin-routing-policy-help = Striedanie dáva tikety postupne; najmenej vyťažený vyberie najnižší podiel kapacity; stály kontakt pošle vracajúceho sa zákazníka agentovi, ktorý mu odpovedal naposledy; account manažér pošle zákazníka jeho manažérovi.
admin-routing-fallback = Keď stály kontakt alebo account manažér nerozhodne
admin-routing-fallback-help = V okne nie je žiadna skoršia odpoveď, ten agent nie je dostupný alebo zákazník nemá manažéra.
admin-routing-sticky-days = Okno stáleho kontaktu (dni)
admin-routing-by-language = Uprednostniť agentov, ktorí hovoria jazykom zákazníka
admin-routing-off-shift = Agent, ktorý končí službu, vráti tikety, na ktoré ešte nik neodpovedal
policy-manual = Iba ručne
policy-round_robin = Striedanie
policy-least_loaded = Najmenej vyťažený
policy-sticky = Stály kontakt
policy-account_manager = Account manažér
admin-rules = Pravidlá
admin-rules-help = Pravidlá menia tikety samy: keď tiket vznikne, keď sa zmení (zákazník napíše, agent odpovie alebo ho zmení) alebo podľa plánu. Bežia v tomto poradí; každé vidí, čo zmenili tie pred ním, a čo pravidlá zmenia, ich znova nespustí.
admin-rules-add = Pridať pravidlo
admin-rules-none = Zatiaľ žiadne pravidlá.
admin-rule-name = Názov
admin-rule-trigger = Spúšťa sa
admin-rule-trigger-help = Podľa plánu: kontroluje sa každú pol minútu na tiketoch, ktoré nie sú uzavreté; na tikete pravidlo koná raz, kým sa tiket znova nezmení. Potrebuje aspoň „hodiny nečinnosti“ alebo „vek v hodinách“.
admin-rule-conditions = Podmienky
admin-rule-conditions-help = Musia platiť všetky (žiadna: každý tiket). Zoznam sa oddeľuje čiarkou a stačí ktorákoľvek hodnota. Slová sa hľadajú od začiatku slova, bez ohľadu na veľkosť písmen a diakritiku. Schránky, tímy a agenti podľa id (uvedeného na ich stránkach v správe).
admin-rule-actions = Akcie
admin-rule-actions-help = Prideliť: „policy“ (podľa pravidla tímu alebo schránky), „nobody“ alebo id agenta. Tím: jeho id, prázdne pre žiadny. Pripravená odpoveď: id zdieľanej. Upozorniť: „assignee“, „team_lead“ alebo id agentov.
admin-rule-enabled = Zapnuté
admin-rule-off = vypnuté
admin-rule-stop = zastaví
admin-rule-stop-label = Keď koná, preskočiť pravidlá za ním
admin-rule-every-ticket = každý tiket
admin-rule-up = Hore
admin-rule-down = Dole
admin-rule-delete = Odstrániť
admin-rule-field = Pole
admin-rule-op = Porovnanie
admin-rule-value = Hodnota
admin-rule-action = Akcia
admin-rule-dry-run = Skúšobný beh
admin-rule-dry-run-result = Konalo by na { $matched } z { $checked } najnovších neuzavretých tiketov.
rule-trigger-created = keď tiket vznikne
rule-trigger-updated = keď sa tiket zmení
rule-trigger-schedule = podľa plánu
rule-field-channel = kanál
rule-field-mailbox = schránka
rule-field-sender = odosielateľ
rule-field-sender_domain = doména odosielateľa
rule-field-organisation = organizácia
rule-field-subject = predmet
rule-field-body = text zákazníka
rule-field-language = jazyk
rule-field-customer_name = meno zákazníka
rule-field-customer_tickets = tikety zákazníka
rule-field-account_manager = account manažér
rule-field-tag = štítok
rule-field-priority = priorita
rule-field-status = stav
rule-field-team = tím
rule-field-assignee = riešiteľ
rule-field-idle_hours = hodiny nečinnosti
rule-field-age_hours = vek v hodinách
rule-field-event = čo sa stalo
rule-op-is = je
rule-op-is_not = nie je
rule-op-contains = obsahuje
rule-op-not_contains = neobsahuje
rule-op-at_least = aspoň
rule-op-at_most = najviac
rule-op-set = je vyplnené
rule-op-not_set = nie je vyplnené
rule-action-set_team = nastaviť tím
rule-action-assign = prideliť
rule-action-add_tag = pridať štítky
rule-action-remove_tag = odobrať štítky
rule-action-set_priority = nastaviť prioritu
rule-action-set_status = nastaviť stav
rule-action-send_reply = poslať pripravenú odpoveď
rule-action-add_note = pridať poznámku
rule-action-notify = upozorniť
error-domain = nie je poštová doména: { $value }
error-organisation-taken = { $what } už má iná organizácia
inbox-filter-any-organisation = Akákoľvek organizácia
admin-organisations = Organizácie
admin-organisations-help = Firmy, za ktoré vaši zákazníci píšu. Pošta z domén organizácie (aj ich subdomén) k nej patrí: pridajú sa k nej noví zákazníci a pri pridaní domény aj tí, ktorí už existujú. Pri pravidle account manažéra idú tikety jej zákazníkov jej manažérovi (vlastný manažér zákazníka má prednosť). Agenti priraďujú zákazníka v paneli zákazníka na tikete.
admin-organisation-add = Pridať organizáciu
admin-organisation-name = Názov
admin-organisation-domains = Poštové domény
admin-organisation-domains-help = Oddelené čiarkou, napr. firma.sk, firma.cz.
admin-organisation-manager-help = Pri pravidle account manažéra dostáva tikety jej zákazníkov.
admin-organisation-customers = { $count ->
    [one] { $count } zákazník
    [few] { $count } zákazníci
   *[other] { $count } zákazníkov
}
error-overflow-after = pretečenie potrebuje počet čakajúcich tiketov od 1 do 10000
error-overflow-team = tím preteká do iného tímu
activity-overflow = odovzdané z { $from } do { $to }: čakalo ich viac než { $after }
admin-routing-overflow-team = Pretiecť do
admin-routing-overflow-after = Keď ich čaká viac než
admin-routing-overflow-help = Keď na niekoho čaká viac tiketov tohto tímu (nepridelené, nové alebo otvorené), než je číslo nižšie, ďalší tiket pre tento tím dostane namiesto neho vybraný tím (a rozhodne o ňom jeho pravidlo).
error-calendar-in-use = tento kalendár používa pravidlo SLA
ack-expected-within = Zvyčajne odpovedáme do: { $response_time }.
ack-expected-by = Odpovieme najneskôr { $answer_by }.
ack-answer-by = { $weekday_on } { $day }. { $month }. { $year } o { $time } ({ $zone })
weekday-1 = pondelok
weekday-2 = utorok
weekday-3 = streda
weekday-4 = štvrtok
weekday-5 = piatok
weekday-6 = sobota
weekday-7 = nedeľa
month-1 = január
month-2 = február
month-3 = marec
month-4 = apríl
month-5 = máj
month-6 = jún
month-7 = júl
month-8 = august
month-9 = september
month-10 = október
month-11 = november
month-12 = december
sla-first-response = prvá odpoveď
sla-next-response = ďalšia odpoveď
sla-resolution = vyriešenie
routing-escalated-warning = odovzdané vedúcemu tímu: { $metric } sa blíži k termínu
routing-escalated-breach = odovzdané vedúcemu tímu: { $metric } nestihla termín
notification-sla-warning = { $metric } do { $due }
notification-sla-warning-soon = { $metric }: termín sa blíži
notification-sla-breach = { $metric }: termín nesplnený
notification-escalation = odovzdané vám: { $metric } nestihla alebo nestihne termín
notice-body =
    { $line }.

    Tiket #{ $number }: { $subject }
    { $link }

    Tento e-mail vám posiela helpdesk, pretože ide o váš tiket alebo tiket vášho tímu. Vypnúť ho môžete vo svojom účte: { $account }
activity-sla-breach = nestihol termín: { $metric } (do { $due })
sla-due-in = zostáva { $time }
sla-overdue = po termíne o { $time }
sla-paused = pozastavené: čaká na zákazníka
sla-met = splnené
sla-met-late = splnené neskoro
sla-due-column = Termín
inbox-sort-due = Najbližší termín
account-mail-notifications = Posielať mi upozornenia na termíny a eskalácie aj e-mailom
admin-sla = Pracovná doba a SLA
admin-sla-help = Kalendár hovorí, kedy tím pracuje; pravidlo SLA určuje, ako skoro treba tikety jeho schránok zodpovedať a vyriešiť, rátané v pracovnom čase kalendára. Prehľad ukazuje zostávajúci čas; riešiteľ a vedúci tímu sa to dozvedia pred uplynutím termínu aj po ňom.
admin-calendars = Kalendáre
admin-calendars-none = Zatiaľ žiadny kalendár.
admin-calendar-add = Pridať kalendár
admin-calendar-name = Názov
admin-calendar-zone = Časové pásmo
admin-calendar-week = Pracovná doba
admin-calendar-week-help = Dni a hodiny anglickými skratkami, napr. „mon-fri 09:00-17:00, sat 10:00-14:00“; 22:00-06:00 beží cez polnoc.
admin-calendar-holidays = Sviatky
admin-calendar-holidays-help = Jeden na riadok, dátum a názov: 2026-12-24 Štedrý deň. V tieto dni hodiny nebežia.
admin-calendar-public = Pridať štátne sviatky
admin-calendar-public-help = Pridá do zoznamu štátne sviatky krajiny v tomto roku; dni, ktoré tam už sú, zostanú.
admin-calendar-country = Krajina
admin-calendar-year = Rok
country-cz = Česko
country-pl = Poľsko
country-ru = Rusko
admin-sla-policies = Pravidlá SLA
admin-sla-policies-none = Zatiaľ žiadne pravidlo SLA: tikety sa nemerajú.
admin-sla-policy-add = Pridať pravidlo SLA
admin-sla-calendar-first = Najprv pridajte kalendár: pravidlo ráta čas v jeho pracovnej dobe.
admin-sla-policy-calendar = Kalendár
admin-sla-policy-calendar-help = Do termínov sa ráta iba pracovná doba tohto kalendára.
admin-sla-targets = Termíny
admin-sla-targets-help = Pracovný čas: 30m, 8h, 1h30m (tri osemhodinové dni sú 24h). Pre kanál a prioritu tiketu platí najpresnejší riadok; „akýkoľvek“ sedí na každý. Prázdny čas: bez termínu.
admin-sla-channel = Kanál
admin-sla-priority = Priorita
admin-sla-any = akýkoľvek
admin-sla-policy-warn = Upozorniť vopred
admin-sla-policy-warn-help = Ako dlho pred termínom sa to riešiteľ a vedúci tímu dozvedia (napr. 30m, 1h).
admin-sla-policy-escalate = Odovzdať vedúcemu tímu
admin-sla-policy-escalate-help = Dá tiket vedúcemu jeho tímu, s dôvodom v histórii.
admin-sla-escalate-off = nikdy, iba upozorniť
admin-sla-escalate-warning = keď sa termín blíži
admin-sla-escalate-breach = keď termín uplynie
admin-sla-policy-mailboxes = Merané schránky
admin-sla-policy-mailboxes-help = Schránku meria jedno pravidlo: zaškrtnutím ju zoberiete akémukoľvek inému.
channel-email = E-mail
channel-api = API
channel-web = Webový formulár
channel-chat = Chat
notice-rule = Pravidlo „{ $rule }“ vás žiada, aby ste sa na tiket pozreli
greeting-neutral = Dobrý deň,
greeting-formal = { $gender ->
    [male] Dobrý deň, pán { $name },
    [female] Dobrý deň, pani { $name },
   *[other] Dobrý deň,
}
greeting-informal = Ahoj { $name },
weekday-on-1 = v pondelok
weekday-on-2 = v utorok
weekday-on-3 = v stredu
weekday-on-4 = vo štvrtok
weekday-on-5 = v piatok
weekday-on-6 = v sobotu
weekday-on-7 = v nedeľu
admin-mailbox-language = Jazyk zákazníkov
admin-mailbox-language-help = Pre nového zákazníka, z ktorého správy jazyk nespoznáme (je príliš krátka alebo v jazyku, pre ktorý tu texty nemáme).
admin-ack-versions = Potvrdenie v ďalších jazykoch
admin-ack-versions-help = Zákazník, pre ktorého jazyk tu je verzia, dostane ju; ostatní dostanú text vyššie.
admin-installation-default = predvolený jazyk inštalácie
admin-default-language = Predvolený jazyk
admin-default-language-help = Pre prihlasovaciu stránku, keď prehliadač nežiada žiadny z našich jazykov, pre nových agentov a pre schránky, ktoré jazyk nemajú nastavený.
month-of-1 = januára
month-of-2 = februára
month-of-3 = marca
month-of-4 = apríla
month-of-5 = mája
month-of-6 = júna
month-of-7 = júla
month-of-8 = augusta
month-of-9 = septembra
month-of-10 = októbra
month-of-11 = novembra
month-of-12 = decembra
date-time = { $day }. { $month_name } { $year } { $time_short }
admin-mailbox-time-zone = Časové pásmo
admin-mailbox-time-zone-help = Dátumy v e-mailoch tejto schránky sa píšu v tomto pásme (napr. Europe/Bratislava); prázdne: pásmo jej kalendára SLA.

## knowledge base and help centre
error-kb-image-type = Do článku možno vložiť len obrázky PNG, JPEG, GIF a WebP.
error-kb-language-fixed = Jazyk článku sa nedá zmeniť; napíšte radšej preklad.
error-kb-read-only = Vaša rola môže znalostnú bázu čítať, ale nie do nej písať.
error-kb-taken = { $what } už používa iná kategória.
error-kb-translation-fixed = Čí preklad článok je, sa určuje pri jeho napísaní.
error-title-required = Nadpis je povinný.
error-unknown-article = Taký článok neexistuje.
error-unknown-category = Taká kategória neexistuje.
help-title = Centrum pomoci
help-description = Odpovede na časté otázky: objednávky, doprava, vrátenie tovaru a platby.
help-all-articles = { $count ->
    [one] { $count } článok
    [few] Všetky { $count } články
   *[other] Všetkých { $count } článkov
}
help-also-in = Aj v jazyku:
help-breadcrumb = Ste tu
help-empty = Zatiaľ tu nie sú žiadne články.
help-search = Hľadať v centre pomoci
help-search-button = Hľadať
help-search-results = Výsledky pre „{ $query }“
help-search-none = Na tieto slová sme nič nenašli. Skúste iné slová alebo nám napíšte.
help-helpful = Pomohol vám tento článok?
help-yes = Áno
help-no = Nie
help-thanks = Ďakujeme za spätnú väzbu.
help-languages = Jazyky
help-other = Ďalšie články
help-permalink = Odkaz na túto odpoveď
help-pinned = Obľúbené témy
help-related = Súvisiace články
help-skip = Prejsť na obsah
help-updated = Aktualizované { $date }
kb-title = Znalostná báza
kb-new = Nový článok
kb-open-help = Otvoriť centrum pomoci
kb-language = Jazyk
kb-filter = Zobraziť
kb-article = Článok
kb-article-title = Nadpis
kb-status = Stav
kb-status-draft = Koncept
kb-status-published = Zverejnené
kb-status-changed = Zverejnené, s nezverejnenými zmenami
kb-votes = Užitočnosť
kb-updated = Zmenené
kb-internal = interný
kb-internal-help = Interný: len pre agentov, nikdy v centre pomoci
kb-pinned-help = Pripnúť na úvodnú stránku centra pomoci
kb-no-category = Bez kategórie
kb-category = Kategória
kb-categories = Kategórie
kb-category-add = Pridať kategóriu
kb-category-delete = Zmazať túto kategóriu (jej články zostanú)
kb-category-kind = Druh
kb-kind-articles = Články
kb-position = Poradie
kb-description = Popis
kb-slug = Adresa (slug)
kb-markdown = Text (Markdown)
kb-preview = Náhľad
kb-image = Pridať obrázok
kb-save-draft = Uložiť koncept
kb-publish = Zverejniť
kb-unpublish = Stiahnuť z centra pomoci
kb-delete = Zmazať tento článok aj s históriou
kb-history = História
kb-current = aktuálny koncept
kb-restore = Urobiť z tejto verzie koncept
kb-translations = Preklady:
kb-translate = Preložiť do jazyka { $language }
error-brand-colour = „{ $value }“ nie je farba v tvare #1a56b0.
error-brand-contrast = Biely text na { $colour } sa zle číta (kontrast { $ratio }:1; treba aspoň 4,5:1): zvoľte tmavšiu farbu.
kb-brand = Vzhľad centra pomoci
kb-brand-name = Názov
kb-brand-colour = Farba
kb-brand-logo = Logo
kb-brand-remove-logo = Odstrániť logo
