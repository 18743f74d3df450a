# podpora — українська

app-name = podpora
nav-inbox = Вхідні
nav-admin = Адміністрування
nav-account = Мій профіль
nav-logout = Вийти
nav-notifications = Сповіщення
notification-mention = { $name } згадує вас
notification-rule = правило «{ $rule }»

login-title = Вхід
login-email = Ел. пошта
login-password = Пароль
login-submit = Увійти
login-failed = Неправильна адреса пошти або пароль.
login-throttled = Забагато невдалих спроб входу. Зачекайте кілька хвилин і спробуйте знову.
login-disabled = Цей обліковий запис заблоковано.

csrf-failed = Форма застаріла або надійшла з іншого сайту. Оновіть сторінку й спробуйте знову.
not-found = Не знайдено, або у вас немає доступу.
forbidden = Вам не можна цього робити.
error-title = Щось пішло не так
error-invalid-address = «{ $value }» — недійсна адреса електронної пошти.
error-invalid-number = «{ $value }» — не номер звернення.
error-unknown-value = Невідоме значення ({ $kind }): { $value }.
error-template = У шаблоні помилка: { $detail }
error-unknown-language = Невідома мова.
error-one-tag = Перейменовуйте по одній мітці за раз.
error-tag = Мітка має містити від 1 до 64 друкованих символів.
error-reply-or-note = Виберіть відповідь або внутрішню нотатку.
error-unknown-agent = Невідомий агент.
error-reminder = Нагадування — не дата й час.
error-unknown-team = Невідома команда.
error-unknown-snooze = Невідомий час відкладання.
error-choose-colleague = Виберіть колегу.
error-attachments-size = Вкладення разом можуть займати не більше { $mb } МБ.
error-unknown-action = Невідома дія.
error-name-required = Ім'я обов'язкове.
error-password-short = Пароль має містити щонайменше 10 символів.
error-capacity = Навантаження — кількість звернень від 0 до { $max }.
error-language-code = «{ $code }» — не код мови (дві або три літери, наприклад uk, ru, en).
error-storage = База даних зараз недоступна. Спробуйте ще раз за хвилину.
error-detail = { $detail }
error-admin-only = Це може зробити лише адміністратор.
error-light-agent-status = Агент з обмеженими правами не може змінювати статус звернення, об'єднувати чи розділяти звернення.
error-agent-no-access = { $name } не бачить поштову скриньку цього звернення; спершу надайте доступ до скриньки.
error-merge-itself = Звернення не можна об'єднати з ним самим.
error-split-first = Перше повідомлення не можна відокремити: це і є саме звернення.
error-file-name = Кожне вкладення повинне мати назву файлу.
error-content-type = «{ $value }» — не тип вмісту.
error-too-long = Поле { $field } може містити не більше { $max } символів.
error-channel = Звернення, створене вручну, надходить каналом «api» або «web», а не «{ $value }».
saved = Збережено.

view-unassigned = Без виконавця
view-mine = Мої
view-open = Усі відкриті
view-pending = В очікуванні
view-solved = Розв'язані
view-closed = Закриті
view-all = Усі
view-mailbox = Поштова скринька
view-team = Команда
view-tag = Мітка

inbox-search = Пошук звернень, клієнтів, #номера
inbox-search-submit = Знайти
inbox-sort-oldest = Спершу старі
inbox-sort-newest = Спершу нові
inbox-empty = Тут немає звернень.
inbox-next = Наступна сторінка
inbox-first = Перша сторінка
inbox-new-arrived = Є нові або змінені звернення — оновити
inbox-bulk-selected = З вибраними:
inbox-bulk-apply = Застосувати
inbox-filter-any-priority = Будь-який пріоритет
tickets-count = { $count ->
    [one] { $count } звернення
    [few] { $count } звернення
   *[other] { $count } звернень
}

bulk-assign-me = Призначити мені
bulk-assign-to = Призначити
bulk-unassign = Зняти виконавця
bulk-close = Закрити
bulk-solve = Позначити як розв'язані
bulk-tag = Додати мітку
bulk-merge = Об'єднати в найстаріше
bulk-done = { $count ->
    [one] Змінено { $count } звернення.
    [few] Змінено { $count } звернення.
   *[other] Змінено { $count } звернень.
}
bulk-none = Виберіть хоча б одне звернення.
bulk-merge-needs-two = Щоб об'єднати, виберіть хоча б два звернення.

col-number = Номер
col-subject = Тема
col-customer = Клієнт
col-status = Статус
col-assignee = Виконавець
col-updated = Змінено
col-priority = Пріоритет

status-new = Нове
status-open = Відкрите
status-pending = В очікуванні
status-solved = Розв'язане
status-closed = Закрите

priority-low = Низький
priority-normal = Звичайний
priority-high = Високий
priority-urgent = Терміновий

ticket-title = Звернення { $number }
ticket-from = Від
ticket-to = Кому
ticket-cc = Копія
ticket-note = Внутрішня нотатка
ticket-quoted = Показати цитату
ticket-signature = Підпис
ticket-raw = Оригінал (.eml)
ticket-formatted = З форматуванням
ticket-images-blocked = Зовнішні зображення заблоковано.
ticket-images-show = Показати зображення
ticket-attachments = Вкладення
ticket-delivery-queued = у черзі
ticket-delivery-sent = надіслано
ticket-delivery-failed = не надіслано: { $error }
ticket-related = Пов'язане з { $number }
ticket-merged-into = Об'єднано з { $number }
ticket-properties = Властивості
ticket-status = Статус
ticket-assignee = Виконавець
ticket-nobody = Ніхто
ticket-team = Команда
ticket-no-team = Без команди
ticket-priority = Пріоритет
ticket-tags = Мітки
ticket-tags-hint = через кому
ticket-remind = Нагадати
ticket-save = Зберегти
ticket-merge = Об'єднати зі зверненням
ticket-merge-submit = Об'єднати
ticket-merge-done = Об'єднано з { $number }.
ticket-split = Виділити в нове звернення
ticket-snooze = Відкласти
ticket-snooze-1h = на годину
ticket-snooze-tomorrow = до завтра, 9:00
ticket-snooze-week = на тиждень
ticket-handover = Передати
ticket-handover-to = Кому
ticket-handover-note = Що має знати наступний
ticket-handover-submit = Передати
ticket-changed = Звернення змінилося, поки ви його переглядали, — оновіть сторінку
ticket-activity = Історія
ticket-viewing = Зараз також переглядає:
ticket-typing = пише відповідь…
ticket-messages-count = { $count ->
    [one] { $count } повідомлення
    [few] { $count } повідомлення
   *[other] { $count } повідомлень
}

reply-title = Відповідь
reply-note-title = Внутрішня нотатка
reply-body = Повідомлення
reply-to-participants = Одержувачі
reply-cc = Копія
reply-bcc = Прихована копія
reply-attach = Прикріпити файли
reply-send = Надіслати відповідь
reply-add-note = Додати нотатку
reply-template = Вставити шаблон відповіді
reply-template-none = Шаблонів відповідей поки немає.
reply-collision = { $name } уже відповів(ла) на це звернення, поки воно було у вас відкрите. Прочитайте відповідь нижче; все одно надіслати вашу?
reply-send-anyway = Все одно надіслати
reply-sent = Відповідь поставлено в чергу на надсилання.
reply-noted = Нотатку додано.
reply-empty = Спершу напишіть повідомлення.
reply-light-agent = Агент з обмеженими правами може додавати лише внутрішні нотатки.
reply-no-outbound = Сервер надсилання не налаштовано: вихідні листи зберігаються як файли .eml у теці даних.

customer-title = Клієнт
customer-name = Ім'я
customer-addresses = Адреси
customer-organisation = Організація
customer-notes = Нотатки про клієнта
customer-language = Мова
customer-other-tickets = Інші звернення
customer-none = Інших звернень немає.
customer-save = Зберегти клієнта

activity-status = статус: { $from } → { $to }
activity-assign = призначено: { $to }
activity-unassign = виконавця знято
activity-tags = мітки змінено: { $detail }
activity-team = передано команді { $team }
activity-team-clear = знято з команди
activity-priority = пріоритет: { $from } → { $to }
activity-remind = нагадування на { $when }
activity-remind-clear = нагадування знято
activity-reminder = Настав час нагадування: звернення повернулося в чергу.
activity-reply = відповідь клієнту
activity-note = нотатка
activity-merged-into = об'єднано з { $number }
activity-merged-from = сюди приєднано звернення { $number }
activity-split-to = повідомлення виділено в { $number }
activity-split-from = виділено з { $number }
activity-handover = передано: { $to }: { $note }
activity-customer = дані клієнта змінено
activity-system = podpora

account-title = Мій профіль
account-language = Мова
account-status = Доступність
account-status-help = Колеги й розподіл бачать, чи ви на місці й берете роботу.
agent-status-online = На місці
agent-status-away = Відійшов
agent-status-off = Не на зміні
account-password = Зміна пароля
account-password-current = Поточний пароль
account-password-new = Новий пароль (щонайменше 10 символів)
account-password-wrong = Поточний пароль неправильний.
account-password-changed = Пароль змінено. Інші сеанси завершено.
account-save = Зберегти

canned-title = Шаблони відповідей
canned-name = Назва
canned-body = Текст
canned-shared = Спільний для всіх
canned-personal = Особистий
canned-add = Додати шаблон
canned-delete = Видалити
canned-variables = Змінні: { $list }

admin-title = Адміністрування
outbox-queued = Чекають надсилання
outbox-sent = Надіслані
outbox-failed = Не надіслані
outbox-retrying = Чекають повторної спроби
outbox-oldest = Найстаріший ненадісланий лист чекає з
admin-agents = Агенти
admin-teams = Команди
admin-team-name = Назва команди
admin-team-lead = Керівник команди
admin-team-lead-help = Отримує попередження, коли звернення команди от-от порушить термін, та ескалації. Керівник, який не входить до команди, стає її учасником.
admin-team-add = Додати команду
admin-mailboxes = Поштові скриньки
admin-outbound = Вихідна пошта
admin-add-agent = Додати агента
admin-agent-email = Ел. пошта
admin-agent-name = Ім'я
admin-agent-role = Роль
admin-agent-password = Початковий пароль (щонайменше 10 символів)
admin-agent-disabled = Заблокований
admin-agent-all-mailboxes = Усі скриньки
admin-agent-mailboxes = Поштові скриньки
admin-agent-save = Зберегти
admin-agent-created = Агента створено.
admin-cannot-demote-self = Не можна зняти з себе роль адміністратора або заблокувати себе.
admin-mailbox-address = Адреса
admin-mailbox-name = Назва
admin-mailbox-imap = IMAP URL
admin-mailbox-imap-kept = залиште порожнім, щоб зберегти попередній
admin-mailbox-add = Додати скриньку
admin-mailbox-test = Перевірити з'єднання
admin-mailbox-test-ok = З'єднано: { $detail }
admin-mailbox-test-failed = Не вдалося з'єднатися: { $detail }
admin-mailbox-health = Останнє завантаження { $when }, завантажено: { $count }
admin-mailbox-never = ще не завантажувалася
admin-mailbox-error = Остання помилка: { $error }
admin-mailbox-signature = Підпис
admin-ack-enabled = Надсилати автоматичне підтвердження
admin-ack-subject = Тема підтвердження
admin-ack-body = Текст підтвердження
admin-support-hours = Години роботи підтримки
admin-response-time = Очікуваний час відповіді
admin-alternative-contacts = Інші контакти
admin-tags = Мітки, що використовуються
admin-tag-rename = Перейменувати
admin-tag-delete = Видалити всюди
admin-set-aside = Відкладена пошта
admin-reprocess = Обробити знову

admin-overview = Огляд
admin-mail = Пошта
admin-agents-help = Хто працює в службі підтримки. Агенти бачать звернення наданих їм скриньок; агенти з обмеженими правами можуть додавати внутрішні нотатки, але ніколи не пишуть клієнтам; адміністратори бачать і налаштовують усе.
admin-agent-role-help = Адміністратор: усе. Агент: відповідає клієнтам. Агент з обмеженими правами: лише внутрішні нотатки.
admin-agent-mailboxes-help = Скриньки, звернення яких цей агент бачить і отримує.
admin-agent-disabled-help = Заблокований агент не може увійти; його сеанси одразу завершуються. Його робота зберігається.
admin-agent-capacity = Навантаження
admin-agent-capacity-help = Скільки відкритих звернень агент веде одночасно; розподіл за навантаженням це враховує.
admin-agent-languages = Мови
admin-agent-languages-help = Коди мов, якими агент відповідає, через кому (uk, ru, en).
admin-agent-skills = Навички
admin-agent-hours = Робочі години
admin-agent-hours-help = Наприклад, «mon-fri 09:00-17:00, sat 10:00-14:00» і часовий пояс (Europe/Kyiv). Поза цими годинами агент вважається не на зміні. Порожньо: враховується лише його статус.
admin-agent-time-zone = Часовий пояс
admin-teams-help = Звернення, передане команді, видно в розділі цієї команди.
admin-tags-help = Перейменування на наявну мітку об'єднує їх; видалення знімає мітку з усіх звернень.
admin-tags-none = Міток поки немає.
admin-mailboxes-help = Кожна адреса підтримки, на яку пишуть клієнти.
admin-mailbox-smtp-help = Пошта надходить на неї через SMTP-сервер на { $addr }, канал від MTA (podpora ingest) або завантаження з IMAP.
admin-mailbox-smtp-off = SMTP-сервер вимкнено: пошта надходить через завантаження з IMAP або канал від MTA (podpora ingest).
admin-mailbox-no-imap = Без завантаження з IMAP: пошта надходить через SMTP-сервер або канал.
admin-mailbox-imap-help = imap://користувач:пароль@сервер:143/INBOX або imaps://…:993/INBOX; пароль зберігається й більше ніколи не показується.
admin-mailbox-name-help = Клієнти бачать її як відправника («Олена (Підтримка магазину)»); якщо порожньо — адресу.
admin-ack-help = Надсилається один раз на кожне нове звернення, ніколи — на автоматичні листи, не частіше 3 разів на годину одному відправнику.
admin-ack-default = порожньо: стандартний текст мовою клієнта
admin-ack-variables = Змінні: { $list }
admin-set-aside-help = Листи, з яких не вдалося створити звернення (нечитабельні, повернення, петлі). Ніщо не губиться: кожен можна завантажити у вихідному вигляді й обробити знову.
admin-set-aside-none = Відкладених листів немає.
setup-done = Готово
setup-warning = Перевірити
setup-missing = Бракує
setup-no-mailbox = Адреси підтримки поки немає: додайте її, щоб листи ставали зверненнями.
setup-mailboxes = Адреси підтримки: { $list }.
setup-imap-error = { $address } не може завантажувати пошту: { $error }
setup-smtp-tls = SMTP-сервер на { $addr } підтримує STARTTLS.
setup-smtp-local = SMTP-сервер на { $addr } приймає пошту лише з цього комп'ютера (перед ним стоїть MTA, або це тести).
setup-smtp-no-tls = SMTP-сервер на { $addr } приймає пошту з мережі без TLS: задайте PODPORA_SMTP_TLS_CERT і PODPORA_SMTP_TLS_KEY.
setup-smtp-off = SMTP-сервер вимкнено; пошта надходить з IMAP або через канал від MTA.
setup-relay = Вихідна пошта йде через { $relay }.
setup-no-relay = Для вихідної пошти немає сервера: { $detail }. Клієнти нічого не отримають, доки не задано PODPORA_SMTP_RELAY.
setup-failed-mail = { $count ->
    [one] { $count } вихідний лист не надіслано.
    [few] { $count } вихідні листи не надіслано.
   *[other] { $count } вихідних листів не надіслано.
}
setup-set-aside = { $count ->
    [one] { $count } отриманий лист відкладено.
    [few] { $count } отримані листи відкладено.
   *[other] { $count } отриманих листів відкладено.
}
setup-public-url-unset = Посилання в листах ведуть на { $url }, отриманий з HTTP-адреси: задайте PODPORA_PUBLIC_URL — адресу, якою користуються клієнти й агенти.
setup-public-url-http = Публічна адреса { $url } працює через звичайний http: поставте podpora за https.
setup-public-url = Публічна адреса — { $url }.
setup-agents = Агентів, які можуть увійти: { $count }.
setup-only-you = Ви єдиний агент: додайте колег.
error-imap-url = IMAP URL не можна використати: { $detail }
error-ack-subject = У темі підтвердження помилка: { $detail }
role-admin = Адміністратор
role-agent = Агент
role-light_agent = Агент з обмеженими правами

time-just-now = щойно
time-minutes-ago = { $n } хв тому
time-hours-ago = { $n } год тому
time-days-ago = { $n } дн. тому

keys-help = Клавіші: j/k — вгору/вниз, Enter — відкрити, r — відповісти, n — нотатка, a — призначити, / — пошук

# Тексти для клієнтів
reply-quote-header = { $when } { $who } пише:
ack-customer = клієнте
ack-no-articles = - (наш довідковий центр ще готується)
ack-default-hours = з понеділка по п'ятницю
ack-default-response-time = один робочий день
ack-subject = { $ticket_tag } Ми отримали ваше повідомлення: { $subject }
ack-body = { $greeting }

    Дякуємо, що написали до { $mailbox_name }. Ваше звернення зареєстровано під номером { $ticket_number }.

    Ми на зв'язку: { $support_hours }
    { $expected }

    Якщо питання термінове, з нами можна зв'язатися й так: { $alternative_contacts }

    Можливо, відповідь на ваше запитання вже є в цих статтях:
    { $help_articles }

    Щоб щось додати, просто дайте відповідь на цей лист, не прибираючи номер звернення з теми.
routing-turn = по черзі: наступний з { $available } доступних
routing-load = найменш завантажений: { $open } з { $capacity } відкритих звернень
routing-sticky = постійний контакт: відповідав(ла) { $days ->
    [0] сьогодні
    [1] учора
    [one] { $days } день тому
    [few] { $days } дні тому
   *[other] { $days } днів тому
}
routing-manager-customer = менеджер клієнта
routing-manager-organisation = менеджер організації
routing-rule = правило «{ $rule }»
routing-nobody = нікого немає на місці: чекає в черзі
routing-language = говорить мовою: { $language }
routing-skills = навички { $skills }
routing-missed-helper = { $agent }, хто відповідав останнім, зараз недоступний(на)
routing-missed-no-helper = за останні { $days } дн. цьому клієнту ніхто не відповідав
routing-missed-no-manager = немає менеджера
routing-missed-manager-elsewhere = менеджер { $agent } тут не працює
activity-routed = призначено: { $to }: { $why }
activity-routed-wait = { $why }
routing-by-hand = призначено вручну
activity-rule = спрацювало правило «{ $rule }»
activity-rule-failed = правило не змогло спрацювати: { $detail }
error-rule-unknown-id = немає такої команди, скриньки чи активного агента: { $id }
error-rule-unknown-canned = немає спільного шаблону відповіді { $id }
activity-released = знято з { $from }: зміна закінчилася до першої відповіді
customer-account-manager = Менеджер клієнта
error-sticky-days = Вікно постійного контакту — від 1 до 365 днів.
admin-routing = Розподіл
admin-routing-help = Хто отримує нове звернення. Роботу беруть агенти, які на місці й не перевищили своє навантаження (задається на сторінці «Агенти»); кожне рішення записується в історію звернення разом із причиною.
admin-routing-no-mailboxes = Адреси підтримки поки немає.
admin-routing-teams-help = Про звернення, передані команді (людиною чи правилом), вирішує правило команди; якщо воно ручне, вирішує правило скриньки.
admin-routing-policy = Розподіл
admin-routing-policy-help = По черзі — агенти отримують звернення по колу; найменш завантажений — той, у кого зайнята найменша частка навантаження; постійний контакт — клієнт, що повернувся, потрапляє до агента, який відповідав йому останнім; менеджер клієнта — клієнт потрапляє до свого менеджера.
admin-routing-fallback = Коли постійний контакт чи менеджер не можуть вирішити
admin-routing-fallback-help = У вікні немає попередніх відповідей, цей агент недоступний або в клієнта немає менеджера.
admin-routing-sticky-days = Вікно постійного контакту (дні)
admin-routing-by-language = Надавати перевагу агентам, які говорять мовою клієнта
admin-routing-off-shift = Агент, що йде зі зміни, повертає звернення, на які ще не відповіли
policy-manual = Лише вручну
policy-round_robin = По черзі
policy-least_loaded = Найменш завантажений
policy-sticky = Постійний контакт
policy-account_manager = Менеджер клієнта
admin-rules = Правила
admin-rules-help = Правила самі змінюють звернення: коли звернення створено, коли воно змінюється (клієнт пише, агент відповідає або змінює його) чи за розкладом. Вони виконуються в цьому порядку; кожне бачить зміни попередніх, а зміни, зроблені правилами, не запускають їх знову.
admin-rules-add = Додати правило
admin-rules-none = Правил поки немає.
admin-rule-name = Назва
admin-rule-trigger = Запускається
admin-rule-trigger-help = За розкладом: перевіряється кожні пів хвилини на незакритих зверненнях; на одному зверненні правило спрацьовує один раз, доки звернення знову не зміниться. Потрібні принаймні «години без активності» або «вік у годинах».
admin-rule-conditions = Умови
admin-rule-conditions-help = Мають виконуватися всі (немає умов: будь-яке звернення). Список пишеться через кому, підходить будь-яке його значення. Слова шукаються з початку слова, без урахування регістру й діакритики. Скриньки, команди й агенти — за id (його вказано на їхніх сторінках адміністрування).
admin-rule-actions = Дії
admin-rule-actions-help = Призначити: «policy» (за правилом команди чи скриньки), «nobody» або id агента. Команда: її id, порожньо — без команди. Шаблон відповіді: id спільного шаблону. Сповістити: «assignee», «team_lead» або id агентів.
admin-rule-enabled = Увімкнено
admin-rule-off = вимкнено
admin-rule-stop = зупиняє
admin-rule-stop-label = Якщо спрацювало, пропустити наступні правила
admin-rule-every-ticket = будь-яке звернення
admin-rule-up = Вгору
admin-rule-down = Вниз
admin-rule-delete = Видалити
admin-rule-field = Поле
admin-rule-op = Порівняння
admin-rule-value = Значення
admin-rule-action = Дія
admin-rule-dry-run = Пробний запуск
admin-rule-dry-run-result = Спрацювало б на { $matched } з { $checked } останніх незакритих звернень.
rule-trigger-created = коли звернення створено
rule-trigger-updated = коли звернення змінюється
rule-trigger-schedule = за розкладом
rule-field-channel = канал
rule-field-mailbox = поштова скринька
rule-field-sender = відправник
rule-field-sender_domain = домен відправника
rule-field-organisation = організація
rule-field-subject = тема
rule-field-body = текст клієнта
rule-field-language = мова
rule-field-customer_name = ім'я клієнта
rule-field-customer_tickets = звернення клієнта
rule-field-account_manager = менеджер клієнта
rule-field-tag = мітка
rule-field-priority = пріоритет
rule-field-status = статус
rule-field-team = команда
rule-field-assignee = виконавець
rule-field-idle_hours = години без активності
rule-field-age_hours = вік у годинах
rule-field-event = що сталося
rule-op-is = дорівнює
rule-op-is_not = не дорівнює
rule-op-contains = містить
rule-op-not_contains = не містить
rule-op-at_least = не менше
rule-op-at_most = не більше
rule-op-set = задано
rule-op-not_set = не задано
rule-action-set_team = задати команду
rule-action-assign = призначити
rule-action-add_tag = додати мітки
rule-action-remove_tag = зняти мітки
rule-action-set_priority = задати пріоритет
rule-action-set_status = задати статус
rule-action-send_reply = надіслати шаблон відповіді
rule-action-add_note = додати нотатку
rule-action-notify = сповістити
error-domain = це не поштовий домен: { $value }
error-organisation-taken = інша організація вже має таке значення: { $what }
inbox-filter-any-organisation = Будь-яка організація
admin-organisations = Організації
admin-organisations-help = Компанії, від імені яких пишуть ваші клієнти. Листи з доменів організації (та їхніх піддоменів) належать до неї: до неї приєднуються нові клієнти, а після додавання домену — і вже наявні. За правилом «менеджер клієнта» звернення її клієнтів отримує її менеджер (власний менеджер клієнта важливіший). Агенти прив'язують клієнта в панелі клієнта на сторінці звернення.
admin-organisation-add = Додати організацію
admin-organisation-name = Назва
admin-organisation-domains = Поштові домени
admin-organisation-domains-help = Через кому, наприклад firma.ua, firma.com.
admin-organisation-manager-help = За правилом «менеджер клієнта» отримує звернення її клієнтів.
admin-organisation-customers = { $count ->
    [one] { $count } клієнт
    [few] { $count } клієнти
   *[other] { $count } клієнтів
}
error-overflow-after = для переливу потрібна кількість звернень, що чекають, від 1 до 10000
error-overflow-team = команда переливається в іншу команду
activity-overflow = передано з { $from } до { $to }: чекало більше ніж { $after }
admin-routing-overflow-team = Переливати до
admin-routing-overflow-after = Коли чекає більше ніж
admin-routing-overflow-help = Коли звернень цієї команди, що чекають на виконавця (без виконавця, нових або відкритих), більше за число нижче, наступне звернення для неї отримує вибрана команда (і вирішує про нього її правило).
error-calendar-in-use = цей календар використовує правило SLA
ack-expected-within = Зазвичай ми відповідаємо протягом: { $response_time }.
ack-expected-by = Ми відповімо не пізніше ніж { $answer_by }.
ack-answer-by = { $weekday_on }, { $day }.{ $month }.{ $year }, о { $time } ({ $zone })
weekday-1 = понеділок
weekday-2 = вівторок
weekday-3 = середа
weekday-4 = четвер
weekday-5 = п'ятниця
weekday-6 = субота
weekday-7 = неділя
month-1 = січень
month-2 = лютий
month-3 = березень
month-4 = квітень
month-5 = травень
month-6 = червень
month-7 = липень
month-8 = серпень
month-9 = вересень
month-10 = жовтень
month-11 = листопад
month-12 = грудень
sla-first-response = перша відповідь
sla-next-response = наступна відповідь
sla-resolution = розв'язання
routing-escalated-warning = ескальовано керівнику команди: наближається термін ({ $metric })
routing-escalated-breach = ескальовано керівнику команди: термін порушено ({ $metric })
notification-sla-warning = { $metric } до { $due }
notification-sla-warning-soon = { $metric }: термін наближається
notification-sla-breach = { $metric }: термін порушено
notification-escalation = ескальовано вам: { $metric } — термін порушено або от-от буде
notice-body =
    { $line }.

    Звернення #{ $number }: { $subject }
    { $link }

    Цей лист надіслала служба підтримки, бо звернення ваше або вашої команди. Такі листи можна вимкнути в профілі: { $account }
activity-sla-breach = порушено термін: { $metric } (до { $due })
sla-due-in = залишилося { $time }
sla-overdue = прострочено на { $time }
sla-paused = пауза: чекаємо на клієнта
sla-met = виконано
sla-met-late = виконано із запізненням
sla-due-column = Термін
inbox-sort-due = Спершу найближчий термін
account-mail-notifications = Надсилати мені попередження про терміни й ескалації також поштою
admin-sla = Години роботи й SLA
admin-sla-help = Календар задає, коли команда працює; правило SLA — як швидко треба відповісти на звернення його скриньок і розв'язати їх, рахуючи робочий час календаря. У вхідних видно час, що залишився; виконавець і керівник команди дізнаються про термін заздалегідь і коли його порушено.
admin-calendars = Календарі
admin-calendars-none = Календарів поки немає.
admin-calendar-add = Додати календар
admin-calendar-name = Назва
admin-calendar-zone = Часовий пояс
admin-calendar-week = Робочі години
admin-calendar-week-help = Дні й години англійськими скороченнями, наприклад «mon-fri 09:00-17:00, sat 10:00-14:00»; 22:00-06:00 переходить через північ.
admin-calendar-holidays = Свята
admin-calendar-holidays-help = По одному в рядку, дата й назва: 2027-01-01 Новий рік. У ці дні години не йдуть.
admin-calendar-public = Додати державні свята
admin-calendar-public-help = Додає до списку державні свята країни за цей рік; дні, які вже є у списку, залишаються.
admin-calendar-country = Країна
admin-calendar-year = Рік
country-cz = Чехія
country-pl = Польща
country-ru = Росія
admin-sla-policies = Правила SLA
admin-sla-policies-none = Правил SLA поки немає: звернення не вимірюються.
admin-sla-policy-add = Додати правило SLA
admin-sla-calendar-first = Спершу додайте календар: правило рахує час у його робочих годинах.
admin-sla-policy-calendar = Календар
admin-sla-policy-calendar-help = До термінів зараховуються лише робочі години цього календаря.
admin-sla-targets = Терміни
admin-sla-targets-help = Робочий час: 30m, 8h, 1h30m (три восьмигодинні дні — це 24h). Для каналу й пріоритету звернення діє найточніший рядок; «будь-який» підходить до всіх. Порожній час: без терміну.
admin-sla-channel = Канал
admin-sla-priority = Пріоритет
admin-sla-any = будь-який
admin-sla-policy-warn = Попереджати за
admin-sla-policy-warn-help = За скільки до терміну про це дізнаються виконавець і керівник команди (наприклад, 30m, 1h).
admin-sla-policy-escalate = Ескалювати керівнику команди
admin-sla-policy-escalate-help = Передає звернення керівнику його команди, з причиною в історії.
admin-sla-escalate-off = ніколи, лише сповіщати
admin-sla-escalate-warning = коли термін наближається
admin-sla-escalate-breach = коли термін порушено
admin-sla-policy-mailboxes = Скриньки, що вимірюються
admin-sla-policy-mailboxes-help = Скриньку вимірює одне правило: позначка тут забирає її в будь-якого іншого.
channel-email = Ел. пошта
channel-api = API
channel-web = Форма на сайті
channel-chat = Чат
notice-rule = Правило «{ $rule }» просить вас переглянути це звернення
greeting-neutral = Добрий день!
greeting-formal = { $gender ->
    [male] Добрий день, пане { $name }!
    [female] Добрий день, пані { $name }!
   *[other] Добрий день!
}
greeting-informal = Вітаю, { $name }!
weekday-on-1 = у понеділок
weekday-on-2 = у вівторок
weekday-on-3 = у середу
weekday-on-4 = у четвер
weekday-on-5 = у п'ятницю
weekday-on-6 = у суботу
weekday-on-7 = у неділю
admin-mailbox-language = Мова клієнтів
admin-mailbox-language-help = Для нового клієнта, мову якого не видно з листа (він закороткий або мовою, для якої тут немає текстів).
admin-ack-versions = Підтвердження іншими мовами
admin-ack-versions-help = Клієнт, для мови якого тут є версія, отримає її; решта — текст вище.
admin-installation-default = мова встановлення за замовчуванням
admin-default-language = Мова за замовчуванням
admin-default-language-help = Для сторінки входу, коли браузер не просить жодної з наших мов, для нових агентів і для скриньок, у яких мову не задано.
month-of-1 = січня
month-of-2 = лютого
month-of-3 = березня
month-of-4 = квітня
month-of-5 = травня
month-of-6 = червня
month-of-7 = липня
month-of-8 = серпня
month-of-9 = вересня
month-of-10 = жовтня
month-of-11 = листопада
month-of-12 = грудня
date-time = { $day } { $month_name } { $year } р., { $time }
admin-mailbox-time-zone = Часовий пояс
admin-mailbox-time-zone-help = Дати в листах цієї скриньки вказуються в цьому поясі (наприклад, Europe/Kyiv); порожньо: пояс її календаря SLA.

## knowledge base and help centre
error-kb-image-type = До статті можна додати лише зображення PNG, JPEG, GIF і WebP.
error-kb-language-fixed = Мову статті змінити не можна; напишіть переклад.
error-kb-read-only = Ваша роль дозволяє читати базу знань, але не писати в неї.
error-kb-taken = { $what } вже використовує інша категорія.
error-kb-translation-fixed = Перекладом якої статті є стаття, визначається під час її створення.
error-title-required = Потрібен заголовок.
error-unknown-article = Такої статті немає.
error-unknown-category = Такої категорії немає.
help-title = Центр допомоги
help-description = Відповіді на часті запитання: замовлення, доставка, повернення та оплата.
help-all-articles = { $count ->
    [one] Уся { $count } стаття
    [few] Усі { $count } статті
   *[many] Усі { $count } статей
}
help-also-in = Також мовою:
help-breadcrumb = Ви тут
help-empty = Статей тут поки немає.
help-search = Пошук у центрі допомоги
help-search-button = Знайти
help-search-results = Результати за запитом «{ $query }»
help-search-none = За цими словами нічого не знайдено. Спробуйте інші слова або напишіть нам.
help-helpful = Чи була ця стаття корисною?
help-yes = Так
help-no = Ні
help-thanks = Дякуємо за відгук.
help-languages = Мови
help-other = Інші статті
help-permalink = Посилання на цю відповідь
help-pinned = Популярні теми
help-related = Схожі статті
help-skip = Перейти до змісту
help-updated = Оновлено { $date }
kb-title = База знань
kb-new = Нова стаття
kb-open-help = Відкрити центр допомоги
kb-language = Мова
kb-filter = Показати
kb-article = Стаття
kb-article-title = Заголовок
kb-status = Стан
kb-status-draft = Чернетка
kb-status-published = Опублікована
kb-status-changed = Опублікована, є неопубліковані зміни
kb-votes = Корисність
kb-updated = Змінена
kb-internal = внутрішня
kb-internal-help = Внутрішня: лише для агентів, ніколи в центрі допомоги
kb-pinned-help = Закріпити на головній сторінці центру допомоги
kb-no-category = Без категорії
kb-category = Категорія
kb-categories = Категорії
kb-category-add = Додати категорію
kb-category-delete = Видалити цю категорію (її статті залишаться)
kb-category-kind = Вид
kb-kind-articles = Статті
kb-position = Порядок
kb-description = Опис
kb-slug = Адреса (slug)
kb-markdown = Текст (Markdown)
kb-preview = Попередній перегляд
kb-image = Додати зображення
kb-save-draft = Зберегти чернетку
kb-publish = Опублікувати
kb-unpublish = Зняти з центру допомоги
kb-delete = Видалити статтю разом з історією
kb-history = Історія
kb-current = поточна чернетка
kb-restore = Зробити цю версію чернеткою
kb-translations = Переклади:
kb-translate = Перекласти мовою { $language }
error-brand-colour = «{ $value }» — не колір вигляду #1a56b0.
error-brand-contrast = Білий текст на { $colour } погано читається (контраст { $ratio }:1; потрібно щонайменше 4,5:1): виберіть темніший колір.
kb-brand = Вигляд центру допомоги
kb-brand-name = Назва
kb-brand-colour = Колір
kb-brand-logo = Логотип
kb-brand-remove-logo = Видалити логотип
